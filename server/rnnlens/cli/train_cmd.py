"""`rnnlens train CONFIG`: train a zoo model from a JSON config and write it with its card
(docs/training.md describes every key; without `output` the model goes to the user's models folder)."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path

from rnnlens.models.device import DEVICE_CHOICES, resolve_device


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("train", help="train a model from a JSON training config (docs/training.md)")
    parser.add_argument("config", type=Path, help="training config (see samples/train/ and docs/training.md)")
    parser.add_argument("--fresh", action="store_true", help="ignore an existing checkpoint and start over")
    parser.add_argument("--force", action="store_true",
                        help="resume even though the config changed since the checkpoint (recorded in the card)")
    parser.add_argument("--device", default="cpu", choices=DEVICE_CHOICES,
                        help="where training runs: cpu (default), cuda, or auto (cuda when available)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rnnlens.models.registry import ModelRegistry
    from rnnlens.train.config import TrainConfig
    from rnnlens.train.trainer import Trainer

    device = resolve_device(args.device)  # a missing GPU is said before any data is read
    config = TrainConfig.load(args.config)
    command = "rnnlens train " + shlex.quote(str(args.config)) + (" --force" if args.force else "")
    trainer = Trainer(config, args.config.resolve().parent, command, force=args.force,
                      source=f"training config {args.config}", device=device)
    card = trainer.run(resume=not args.fresh)
    metric = card["test_metric"]
    print(f"{config.name}: test {metric['name']} {metric['value']} (epoch {card['training']['kept_epoch']} kept)")
    print(f"model written to {trainer.output}")
    # By name when the registry finds this very folder under it (a sample of the same name would
    # win), otherwise by its path, which works everywhere a name does.
    by_name = ModelRegistry().folders.get(config.name)
    if by_name is not None and by_name.resolve() == trainer.output.resolve():
        print(f"use it: rnnlens analyze FILE --model {shlex.quote(config.name)}   (listed by `rnnlens models`)")
    else:
        print(f"use it: rnnlens analyze FILE --model {shlex.quote(str(trainer.output))}")
    return 0

"""`rnnlens train CONFIG`: train a zoo model from a JSON config and write it with its card."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("train", help="train a model from a JSON training config")
    parser.add_argument("config", type=Path, help="training config (see samples/train/)")
    parser.add_argument("--fresh", action="store_true", help="ignore an existing checkpoint and start over")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rnnlens.train.config import TrainConfig
    from rnnlens.train.trainer import Trainer

    config = TrainConfig.load(args.config)
    command = "rnnlens train " + shlex.quote(str(args.config))
    card = Trainer(config, args.config.resolve().parent, command).run(resume=not args.fresh)
    metric = card["test_metric"]
    print(f"{config.name}: test {metric['name']} {metric['value']}")
    return 0

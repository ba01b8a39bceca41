"""`rnnlens models [--json] [--model-path P]`: list the models RNN Lens can load (the samples, the
user's models folder where `rnnlens train` writes, and what --model-path declares)."""

from __future__ import annotations

import argparse
import json

from rnnlens.models.registry import MODEL_PATH_HELP
from rnnlens.paths import user_models_dir


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("models", help="list available models (samples and your own)")
    parser.add_argument("--json", action="store_true", help="print a JSON list")
    parser.add_argument("--model-path", action="append", default=[], metavar="PATH", help=MODEL_PATH_HELP)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rnnlens.cli.analysis_common import make_registry  # imports torch: only when listing

    rows = make_registry(args).describe_all()
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print(f"no models found (samples, {user_models_dir()}, --model-path)")
    for row in rows:
        if "error" in row:
            print(f"{row['name']:<24} ERROR {row['error']}")
            continue
        metric = row.get("test_metric") or {}
        shown = f"{metric.get('name')}={metric.get('value')}" if metric else "no test metric"
        print(f"{row['name']:<24} {row['task']:<10} {row['cell']:<4} {row['layers']}x{row['hidden_size']:<5} "
              f"vocab {row['vocab_size']:<6} {shown}")
    return 0

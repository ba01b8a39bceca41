"""Entry point of the `rnnlens` command. Each subcommand lives in its own module with
`register(subparsers)`; a user-facing `RnnLensError` becomes a one-line message and exit 2."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn

from rnnlens import __version__
from rnnlens.errors import RnnLensError

# Each module defines register(subparsers) which adds its parser and sets `func`.
SUBCOMMAND_MODULES = [
    "rnnlens.cli.models_cmd",
    "rnnlens.cli.data_cmd",
    "rnnlens.cli.train_cmd",
    "rnnlens.cli.lsp_cmd",
    "rnnlens.cli.evaluate_cmd",
    "rnnlens.cli.cocluster_cmd",
    "rnnlens.cli.analyze_cmd",
    "rnnlens.cli.compare_cmd",
    "rnnlens.cli.match_cmd",
    "rnnlens.cli.effects_cmd",
    "rnnlens.cli.attribute_cmd",
    "rnnlens.cli.serve_cmd",
    "rnnlens.cli.snapshot_cmd",
]


class OneLineErrorParser(argparse.ArgumentParser):
    """A wrong option is one line naming it, like every other error (argparse printed the whole usage
    block first); subcommand parsers are built from this class too."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineErrorParser(prog="rnnlens", description="See what a recurrent neural network remembers.")
    parser.add_argument("--version", action="version", version=f"rnnlens {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in SUBCOMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 1
    try:
        return int(args.func(args) or 0)
    except RnnLensError as exc:
        print(f"rnnlens: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("rnnlens: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())

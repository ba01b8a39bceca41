"""Entry point of the `rnnlens` command. Each subcommand lives in its own module with
`register(subparsers)`; a user-facing `RnnLensError` becomes a one-line message and exit 2.

Most subcommand modules import torch or scikit-learn (seconds), so a command line that names a
subcommand imports only that one's module: an editor starting `rnnlens lsp` waits for no other."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn

from rnnlens import __version__
from rnnlens.errors import RnnLensError

# subcommand -> its module, whose register(subparsers) adds the subcommand's parser and sets `func`
SUBCOMMANDS = {
    "models": "rnnlens.cli.models_cmd",
    "data": "rnnlens.cli.data_cmd",
    "train": "rnnlens.cli.train_cmd",
    "lsp": "rnnlens.cli.lsp_cmd",
    "evaluate": "rnnlens.cli.evaluate_cmd",
    "cocluster": "rnnlens.cli.cocluster_cmd",
    "analyze": "rnnlens.cli.analyze_cmd",
    "compare": "rnnlens.cli.compare_cmd",
    "match": "rnnlens.cli.match_cmd",
    "effects": "rnnlens.cli.effects_cmd",
    "attribute": "rnnlens.cli.attribute_cmd",
    "serve": "rnnlens.cli.serve_cmd",
    "snapshot": "rnnlens.cli.snapshot_cmd",
}


class OneLineErrorParser(argparse.ArgumentParser):
    """A wrong option is one line naming it, like every other error (argparse printed the whole usage
    block first); subcommand parsers are built from this class too."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for `argv`: with only its subcommand when the command line starts with one's
    name, else with all of them (`rnnlens`, `rnnlens --help`, a misspelt name)."""
    parser = OneLineErrorParser(prog="rnnlens", description="See what a recurrent neural network remembers.")
    parser.add_argument("--version", action="version", version=f"rnnlens {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    first = argv[0] if argv else ""
    modules = [SUBCOMMANDS[first]] if first in SUBCOMMANDS else list(SUBCOMMANDS.values())
    for module_name in modules:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    parser = build_parser(argv)
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

"""`rnnlens lsp`: run the language server over stdio (started by an editor, not by hand)."""

from __future__ import annotations

import argparse
import logging


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("lsp", help="run the language server over stdio (for editors)")
    parser.add_argument("--log-file", metavar="PATH", help="write the server's log to this file")
    parser.add_argument("--verbose", action="store_true", help="log debug messages")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.log_file:
        logging.basicConfig(filename=args.log_file, level=logging.DEBUG if args.verbose else logging.INFO)
    from rnnlens.lsp.server import build_server  # imports torch: only when the server really starts

    build_server().start_io()
    return 0

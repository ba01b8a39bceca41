"""`rnnlens evaluate --model NAME [--corpus NAME_OR_PATH ...]`: expected-response statistics into the cache."""

from __future__ import annotations

import argparse
import json

from rnnlens.cli.analysis_common import ProgressBar, add_model_path, make_service


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("evaluate", help="compute a model's expected responses on a corpus (cached)")
    parser.add_argument("--model", required=True, help="model name or folder")
    parser.add_argument("--corpus", nargs="+", default=None, metavar="NAME_OR_PATH",
                        help="a corpus name (brown, sotu, rotten-tomatoes; NAME:SPLIT picks train/valid/test/all) "
                             "or text files (default: the held-out split of the model's training corpus)")
    parser.add_argument("--json", action="store_true", help="print a JSON summary")
    add_model_path(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    service = make_service(args)
    corpus = None
    if args.corpus:
        corpus = args.corpus[0] if len(args.corpus) == 1 else list(args.corpus)
    bar = ProgressBar()
    try:
        stats = service.evaluate(args.model, corpus, progress=bar)
    finally:
        bar.close()
    summary = {"model": args.model, "tokens": stats.tokens, "words": int((stats.count > 0).sum()),
               "states": stats.state_names, "notices": service.notices}
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"evaluated {args.model}: {stats.tokens:,} tokens, {summary['words']:,} distinct words, "
              f"states {', '.join(stats.state_names)} (cached)")
    return 0

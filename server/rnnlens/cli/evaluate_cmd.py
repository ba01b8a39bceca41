"""`rnnlens evaluate --model NAME [--corpus NAME_OR_PATH ...]`: expected-response statistics into the cache.

Evaluating only adds statistics to the cache: other commands use a corpus only when told to
(`--corpus`), else the model card's corpus.
"""

from __future__ import annotations

import argparse
import json

from rnnlens.cli.analysis_common import (
    ProgressBar,
    add_corpus,
    add_model_path,
    corpus_choice,
    make_service,
    report_provenance,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("evaluate", help="compute a model's expected responses on a corpus (cached)")
    parser.add_argument("--model", required=True, help="model name or folder")
    add_corpus(parser)
    parser.add_argument("--json", action="store_true", help="print a JSON summary (with provenance)")
    add_model_path(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    service = make_service(args)
    bar = ProgressBar()
    try:
        statistics = service.statistics(args.model, corpus_choice(args), progress=bar)
    finally:
        bar.close()
    provenance = statistics.provenance
    report_provenance(provenance)
    if args.json:
        print(json.dumps({**statistics.summary_json(), "notices": service.notices}, indent=2))
        return 0
    print(provenance.header())
    print(f"evaluated {args.model}: {provenance.statistics_line()}; states {', '.join(statistics.stats.state_names)} "
          "(cached; other commands use them when given the same --corpus)")
    return 0

"""`rnnlens evaluate --model NAME [--corpus NAME_OR_PATH ...]`: expected-response statistics into the cache.

Evaluating only adds statistics to the cache: other commands use a corpus only when told to
(`--corpus`), else the model card's corpus.
"""

from __future__ import annotations

import argparse
import json

from rnnlens.analysis.ray_evaluation import RayOptions, import_ray
from rnnlens.cli.analysis_common import (
    ProgressBar,
    add_corpus,
    add_device,
    add_model,
    add_model_path,
    corpus_choice,
    make_service,
    report_provenance,
    whole_number,
)
from rnnlens.errors import RnnLensError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("evaluate", help="compute a model's expected responses on a corpus (cached)")
    add_model(parser)
    add_corpus(parser)
    parser.add_argument("--json", action="store_true", help="print a JSON summary (with provenance)")
    parser.add_argument("--workers", type=whole_number(1), default=None, metavar="N",
                        help="evaluate on N Ray workers (a local cluster started and stopped here, or N actors on "
                             "--ray-address); the statistics equal one process's. Needs pip install 'rnnlens[ray]'")
    parser.add_argument("--ray-address", default=None, metavar="ADDR",
                        help="evaluate on the Ray cluster at ADDR (e.g. ray://head:10001 or auto); with --workers, "
                             "that many actors (default: one per CPU of the cluster)")
    add_device(parser)
    add_model_path(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    service = make_service(args)
    if args.workers is not None or args.ray_address is not None:
        if service.device.type != "cpu":
            raise RnnLensError("--workers/--ray-address evaluate on CPU workers; leave out --device")
        import_ray()  # says how to get Ray when it is missing, before any work
        service.ray = RayOptions(workers=args.workers, address=args.ray_address)
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

"""`rnnlens cocluster --model NAME [--corpus C] [--layer L] [--state h|c] [--clusters K] [--words N] [--json]`.

The output names its statistics first (text: a `# statistics:` header; JSON: `provenance`).
"""

from __future__ import annotations

import argparse
import json

from rnnlens.analysis.provenance import Provenance
from rnnlens.cli.analysis_common import (
    ProgressBar,
    add_corpus,
    add_layer_state,
    add_model,
    add_model_path,
    make_service,
    report_provenance,
    whole_number,
)
from rnnlens.cli.cocluster_stability import add_stability, stability_line, stability_report
from rnnlens.cli.cocluster_unit_outputs import add_unit_outputs, unit_outputs


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("cocluster", help="co-cluster frequent words and hidden units")
    add_model(parser)
    add_corpus(parser)
    add_layer_state(parser)
    parser.add_argument("--words", type=whole_number(2), default=300, help="the N most frequent words to cluster (default 300)")
    parser.add_argument("--json", action="store_true", help="print JSON (word_clusters, unit_clusters, links, ...)")
    add_stability(parser)
    add_unit_outputs(parser)
    add_model_path(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    service = make_service(args)
    bar = ProgressBar()
    try:
        result = service.cocluster(args.model, args.layer, args.state, args.clusters, args.words, progress=bar)
    finally:
        bar.close()
    provenance = Provenance.carried_by(result.extra)
    report_provenance(provenance)
    stability = stability_report(service, args.model, result, args.stability_runs) if args.stability else None
    outputs = unit_outputs(service, args.model, result).to_json(pos=service.word_pos) if args.unit_outputs else None
    if args.json:
        extras = {**(stability.to_json() if stability else {}), **({"unit_outputs": outputs} if outputs else {})}
        print(json.dumps({**result.to_json(), **extras}))
        return 0
    words, units = result.word_clusters(), result.unit_clusters()
    if provenance is not None:
        print(provenance.header())
    print(f"{args.model}: layer {result.layer} state {result.state}, {result.k} co-clusters "
          f"of {len(result.words)} words x {len(result.unit_labels)} units")
    for c in result.order:
        link = result.links[c, c]
        sign = "+" if link >= 0 else "-"
        print(f"[{c}] link {sign}{abs(link):.3f}  units({len(units[c])}): {' '.join(map(str, units[c][:12]))}"
              f"{' ...' if len(units[c]) > 12 else ''}")
        print(f"     words({len(words[c])}): {' '.join(words[c][:15])}{' ...' if len(words[c]) > 15 else ''}")
        if outputs:
            print(f"     outputs: {outputs[c]['label']}")
    if stability is not None:
        print(stability_line(stability))
    return 0

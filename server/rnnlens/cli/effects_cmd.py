"""`rnnlens effects FILE --model M [--token N] [--corpus C] [--layer L] [--state h|c] [--clusters K] [--mode zero|mean] [--json]`.

What each memory chip (unit cluster of the layer) does to the output at a token: the change when
its state is replaced (analysis/ablation.py). Without --token, every token. `--mode mean` puts the
layer's expected state (its mean over every token of the statistics' corpus, the clusters' own) in
place of zero. A classifier's output is read at the end of the token's unit (`--reset`, lines by
default, as `analyze` runs it). The chips come from the statistics' co-clustering, so the output
names those statistics first (a `# statistics:` header; `provenance` in JSON).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from rnnlens.analysis.ablation import MODES, cluster_effects, state_at
from rnnlens.analysis.causal_json import effects_json
from rnnlens.analysis.expected_state import corpus_mean_state, layer_state_names
from rnnlens.analysis.provenance import Provenance
from rnnlens.cli.analysis_common import (
    add_corpus,
    add_layer_state,
    add_model,
    add_model_path,
    corpus_choice,
    make_service,
    report_provenance,
)
from rnnlens.cli.causal_common import add_reset, read_tokens, token_index, unit_of, units_of


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("effects", help="what each unit cluster does to the output at a token (ablation)")
    parser.add_argument("file", type=Path, help="a UTF-8 text file")
    add_model(parser)
    parser.add_argument("--token", type=int, default=None, help="0-based token index (default: every token)")
    add_corpus(parser)
    add_layer_state(parser)
    add_reset(parser)
    parser.add_argument("--mode", choices=MODES, default="zero",
                        help="replace a cluster's state by zero or by its expected state: the mean over the statistics' "
                             "corpus (default zero)")
    parser.add_argument("--json", action="store_true", help="print JSON (targets, per-cluster deltas and shares)")
    add_model_path(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    service = make_service(args)
    model = service.model(args.model)
    text = read_tokens(args.file, model)
    clusters = service.cocluster(args.model, layer=args.layer, state=args.state, k=args.clusters,
                                 corpus=corpus_choice(args))
    layer, labels, k = clusters.layer, clusters.unit_labels, clusters.k
    provenance = Provenance.carried_by(clusters.extra)
    report_provenance(provenance)
    wanted = None if args.token is None else token_index(text, args.token, 0)
    units = units_of(text, args.reset, model.task)
    if wanted is not None:
        units = [unit_of(units, wanted)]
    expected, expected_from = None, None
    if args.mode == "mean":  # the layer's expected state over the statistics' corpus (the clusters' own)
        names = layer_state_names(layer, model.state_kinds)
        statistics = service.statistics(args.model, corpus=corpus_choice(args), states=names)
        expected = corpus_mean_state(statistics.stats, layer, model.state_kinds)
        expected_from = f"mean over {statistics.provenance.corpus_label} ({statistics.stats.tokens:,} tokens)"
    records = []
    for unit in units:
        # states only: the ablation runs the head itself, on the k + 1 rows of the one step it reads
        trace = model.trace(unit.ids, outputs=False)
        steps = [wanted - unit.first] if wanted is not None else range(len(unit.tokens))
        for t in steps:
            effects = cluster_effects(model.stack, model.task, unit.ids, t, state_at(trace, t - 1), layer, labels,
                                      k, mode=args.mode, expected=expected, known=state_at(trace, t))
            record = effects_json(effects, model.vocab.words, model.labels, offset=unit.first)
            record["text"] = unit.tokens[t].text
            records.append(record)
    if args.json:
        print(json.dumps({"file": str(args.file), "model": args.model, "layer": layer, "state": clusters.state,
                          "k": k, "mode": args.mode,
                          "expected_state": expected_from,
                          "provenance": provenance.to_json() if provenance is not None else None,
                          "tokens": records}))
        return 0
    if provenance is not None:
        print(provenance.header())
    for record in records:
        _print_record(record, sys.stdout)
    return 0


def _print_record(record: dict[str, Any], out: TextIO) -> None:
    targets = ", ".join(f"{t['role']} {t['name']!r} {t['base']:.3f}" for t in record["targets"])
    out.write(f"[{record['token']}] {record['text']}  ({record['measure']}: {targets})\n")
    ranked = sorted(record["clusters"], key=lambda c: -abs(c["delta"][0]))
    for cluster in ranked:
        deltas = " ".join(f"{d:+.4f}" for d in cluster["delta"])
        out.write(f"    cluster {cluster['cluster']} ({cluster['units']} units): {deltas}  "
                  f"share {cluster['share']:.0%}\n")


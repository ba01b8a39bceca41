"""`rnnlens compare --model A --model B [--corpus C] [--text FILE] [--json]`: two models' clusters, matched.

Both models' statistics come from the same `--corpus` when given (else each model card's corpus);
the output names both.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rnnlens.cli.analysis_common import (
    add_corpus,
    add_layer_state,
    add_model_path,
    make_service,
    report_provenance,
    warn,
)
from rnnlens.errors import RnnLensError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("compare", help="compare two models' co-clusterings (Hungarian-matched)")
    parser.add_argument("--model", action="append", required=True, help="a model (give exactly two)")
    parser.add_argument("--text", type=Path, default=None, help="a text file to show both models' glyphs for")
    add_corpus(parser)
    add_layer_state(parser)
    parser.add_argument("--json", action="store_true", help="print JSON")
    add_model_path(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if len(args.model) != 2:
        raise RnnLensError(f"compare needs exactly two --model options, got {len(args.model)}")
    text = None
    if args.text is not None:
        from rnnlens.data.corpora import read_analysed_text

        text = read_analysed_text(args.text)  # refused before reading when over the shared size limit
    service = make_service(args)
    result = service.compare(args.model[0], args.model[1], text=text, layer=args.layer, state=args.state,
                             k=args.clusters)
    report_provenance(result.provenance[0])
    report_provenance(result.provenance[1])
    first, second = result.provenance
    if first.corpus_label != second.corpus_label or first.tokenizer != second.tokenizer:
        warn(f"the two models' statistics differ ({first.corpus_label} vs {second.corpus_label}); "
             f"pass --corpus to compare them on the same text")
    if args.json:
        print(json.dumps(result.to_json()))
        return 0
    a, b = result.coclusters
    alignment = result.alignment
    for label, provenance in zip("AB", result.provenance, strict=True):
        print(provenance.header().replace("# statistics:", f"# {label} statistics:", 1))
    print(f"{args.model[0]} vs {args.model[1]}: similarity {alignment.similarity:.3f} "
          f"(adjusted Rand {alignment.adjusted_rand:.3f}) on {alignment.shared_words} shared words")
    words_a, words_b = a.word_clusters(), b.word_clusters()
    for ca, cb in alignment.pairs:
        shared = int(alignment.overlap[ca][cb])
        print(f"  A[{ca}] <-> B[{cb}]  {shared} shared words")
        print(f"     A: {' '.join(words_a[ca][:10])}")
        print(f"     B: {' '.join(words_b[cb][:10])}")
    return 0

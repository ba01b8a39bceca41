"""`rnnlens compare --model A --model B [--text FILE] [--json]`: two models' clusters, matched."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rnnlens.cli.analysis_common import add_layer_state, add_model_path, make_service
from rnnlens.errors import RnnLensError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("compare", help="compare two models' co-clusterings (Hungarian-matched)")
    parser.add_argument("--model", action="append", required=True, help="a model (give exactly two)")
    parser.add_argument("--text", type=Path, default=None, help="a text file to show both models' glyphs for")
    add_layer_state(parser)
    parser.add_argument("--json", action="store_true", help="print JSON")
    add_model_path(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if len(args.model) != 2:
        raise RnnLensError(f"compare needs exactly two --model options, got {len(args.model)}")
    text = None
    if args.text is not None:
        from rnnlens.data.corpora import read_text_file

        text = read_text_file(args.text)
    service = make_service(args)
    result = service.compare(args.model[0], args.model[1], text=text, layer=args.layer, state=args.state,
                             k=args.clusters)
    if args.json:
        print(json.dumps(result))
        return 0
    a, b = result["coclusters"]
    alignment = result["alignment"]
    print(f"{args.model[0]} vs {args.model[1]}: similarity {alignment['similarity']:.3f} "
          f"(adjusted Rand {alignment['adjusted_rand']:.3f}) on {alignment['shared_words']} shared words")
    for ca, cb in alignment["pairs"]:
        shared = alignment["overlap"][ca][cb]
        print(f"  A[{ca}] <-> B[{cb}]  {shared} shared words")
        print(f"     A: {' '.join(a['word_clusters'][ca][:10])}")
        print(f"     B: {' '.join(b['word_clusters'][cb][:10])}")
    return 0

"""`rnnlens match --model M (--text "..." | FILE --range START:END) [--corpus C] [--layer L] [--threshold T] [--json]`.

Pattern search (LSTMVis select/match): the units on over the selected span, and the corpus spans
where the same units are on, best first (docs/analysis.md, "Pattern search").
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rnnlens.analysis.pattern_index import INDEX_THRESHOLDS
from rnnlens.analysis.pattern_search import POS_UNKNOWN
from rnnlens.cli.analysis_common import (
    ProgressBar,
    add_corpus,
    add_layer,
    add_model,
    add_model_path,
    corpus_choice,
    make_service,
    report_provenance,
    whole_number,
)
from rnnlens.data.corpora import read_analysed_text
from rnnlens.errors import RnnLensError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("match", help="find corpus spans where the units of a selected span are on")
    parser.add_argument("file", nargs="?", type=Path, help="a text file holding the span (with --range)")
    add_model(parser)
    parser.add_argument("--text", help="the span to search for, traced from the zero state")
    parser.add_argument("--range", dest="span", help="START:END character offsets of the span in FILE")
    add_corpus(parser)
    add_layer(parser)
    parser.add_argument("--threshold", type=float, default=None,
                        help=f"a unit is on above this (indexed: {', '.join(f'{t:g}' for t in INDEX_THRESHOLDS)}; "
                             "default: the highest that some unit stays above over the whole span)")
    parser.add_argument("--top", type=whole_number(1, 1000), default=20, help="matches to list (default 20)")
    parser.add_argument("--json", action="store_true", help="print JSON (query, matches, provenance)")
    add_model_path(parser)
    parser.set_defaults(func=run)


def _span(args: argparse.Namespace) -> tuple[str, int, int | None]:
    if (args.text is None) == (args.file is None):
        raise RnnLensError("match: give either --text \"...\" or FILE --range START:END")
    if args.text is not None:
        if args.span is not None:
            raise RnnLensError("match: --range goes with FILE, not with --text (the text is the span)")
        return args.text, 0, None
    text = read_analysed_text(args.file)
    if args.span is None:
        return text, 0, None
    first, sep, last = args.span.partition(":")
    try:
        start, end = int(first), int(last)
    except ValueError:
        raise RnnLensError(f"--range takes START:END character offsets, got {args.span!r}") from None
    if not sep or not 0 <= start < end <= len(text):
        raise RnnLensError(f"--range {args.span}: need 0 <= START < END <= {len(text)} (the length of {args.file})")
    return text, start, end


def run(args: argparse.Namespace) -> int:
    text, start, end = _span(args)
    service = make_service(args)
    bar = ProgressBar()
    try:
        result = service.match(args.model, text, start, end, args.layer, args.threshold, args.top,
                               corpus=corpus_choice(args), progress=bar)
    finally:
        bar.close()
    report_provenance(result.provenance)
    if args.json:
        print(json.dumps(result.to_json()))
        return 0
    query = result.query
    print(result.provenance.header())
    print(f"{result.model} {query.state} > {query.threshold:g} over \"{' '.join(query.tokens)}\": "
          f"{len(query.units)} units on ({' '.join(map(str, query.units[:20]))}{' ...' if len(query.units) > 20 else ''})")
    if result.coverage():
        print(result.coverage())
    if not result.matches:
        print(f"no span of {result.corpus} has these units on")
    patterns = result.extra.get("pos_patterns") or []
    if patterns:
        print("shared parts of speech: " + ", ".join(f"{p['pattern']} ({p['matches']})" for p in patterns))
    elif result.tags_unknown():
        print(POS_UNKNOWN)
    for m in result.matches:
        print(f"{m.rank:3d}. score {m.score:.2f} (jaccard {m.jaccard:.2f}, {m.shared}/{len(query.units)} units) "
              f"doc {m.document} {m.start}:{m.end}  ...{m.before[-30:]}[{m.text}]{m.after[:30]}...")
    return 0

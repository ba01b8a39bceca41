"""`rnnlens analyze FILE --model NAME [--layer L] [--state h|c] [--clusters K] [--reset R] [--json]`.

Without --json: one line per token with a coloured glyph (one cell per unit cluster: bar height
= size of the cluster's net update, orange = increase, blue = decrease), the kept rate, and the
model's output; a classifier's prediction after each unit (line or paragraph); then the
co-cluster summary. Both outputs are written as they are made, so a long text's report is
never held whole.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from rnnlens.analysis.provenance import UNKNOWN_WARNING, Provenance
from rnnlens.analysis.text_analysis import TextAnalysis, TextUnit
from rnnlens.analysis.text_units import RESETS
from rnnlens.cli.analysis_common import (
    add_corpus,
    add_device,
    add_layer_state,
    add_model,
    add_model_path,
    make_service,
    report_provenance,
    warn,
    whole_number,
)
from rnnlens.data.corpora import read_analysed_text
from rnnlens.errors import RnnLensError

BARS = "▁▂▃▄▅▆▇█"
ORANGE, BLUE, DIM, RESET = "\x1b[38;5;208m", "\x1b[38;5;33m", "\x1b[2m", "\x1b[0m"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("analyze", help="per-token glyphs of a text file (what each token did to memory)")
    parser.add_argument("file", type=Path, help="a UTF-8 text file")
    add_model(parser)
    add_corpus(parser)
    add_layer_state(parser)
    parser.add_argument("--top-k", type=whole_number(1), default=3, help="next-word predictions per token (LM; default 3)")
    parser.add_argument("--json", action="store_true", help="print JSON (tokens with text, start, end, glyph, ...)")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto", help="colour the glyphs")
    parser.add_argument("--reset", choices=RESETS, default=None,
                        help="restart the recurrent state per line or per paragraph (blank-line separated); "
                             "default: lines for a classifier (one prediction a line), none for a language model")
    add_device(parser)
    add_model_path(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    text = read_analysed_text(args.file)
    if not text.strip():
        raise RnnLensError(f"{args.file} is empty")
    service = make_service(args)
    analysis = service.analyze_text(args.model, text, args.layer, args.state, args.clusters, top_k=args.top_k,
                                    reset=args.reset, detail=args.json)  # text shows one layer, no responses
    provenance = Provenance.carried_by(analysis.extra)
    report_provenance(provenance)
    text_unknown = float(analysis.extra.get("text_unknown_rate", 0.0))
    if text_unknown > UNKNOWN_WARNING:
        warn(f"{text_unknown:.0%} of the tokens of {args.file} are unknown to model {args.model} (more than "
             f"{UNKNOWN_WARNING:.0%}): out-of-domain text, its glyphs say little about the model")
    if analysis.extra.get("clusters_from") == "text":
        warn(f"model {args.model} names no corpus, so its clusters come from {args.file} itself; choose "
             f"statistics with --corpus NAME_OR_PATH, or give the model one with UserModel(corpus=...)")
    if args.json:
        # streamed: one dict for every token of a long text at once would take gigabytes
        for part in analysis.json_parts({"file": str(args.file), "model": args.model}):
            sys.stdout.write(part)
        sys.stdout.write("\n")
        return 0
    colour = args.color == "always" or (args.color == "auto" and sys.stdout.isatty() and "NO_COLOR" not in os.environ)
    if provenance is not None:
        sys.stdout.write(provenance.header() + "\n")
    sys.stdout.write(f"# text: {args.file}, {len(analysis.tokens):,} tokens, {text_unknown:.1%} unknown\n")
    for line in render_lines(analysis, colour):
        sys.stdout.write(line + "\n")
    return 0


def _cell(value: float, scale: float, colour: bool) -> str:
    level = 0 if scale <= 0 else min(len(BARS) - 1, int(abs(value) / scale * (len(BARS) - 1) + 0.5))
    char = BARS[level]
    if not colour:
        return char + ("-" if value < 0 else " ")
    return f"{ORANGE if value >= 0 else BLUE}{char}{RESET}"


def render(analysis: TextAnalysis, colour: bool) -> str:
    return "\n".join(render_lines(analysis, colour))


def _prediction(analysis: TextAnalysis, unit: TextUnit, number: int, colour: bool) -> str:
    where = {"lines": f"line {unit.line + 1}", "paragraphs": f"paragraph {number} (line {unit.line + 1})"}.get(
        analysis.reset, "text")
    classes = "  ".join(f"{label} {p:.2f}" for label, p in analysis.outputs.items(unit.stop - 1))
    best = max(analysis.outputs.items(unit.stop - 1), key=lambda item: item[1])[0]
    bold, reset = ("\x1b[1m", RESET) if colour else ("", "")
    return f"=> {where}: {bold}{best}{reset}  ({classes})"


def render_lines(analysis: TextAnalysis, colour: bool) -> Iterator[str]:
    """The text report line by line (a long text need not be held as one string)."""
    glyphs = analysis.glyphs[analysis.layer]
    update = glyphs.update
    scale = float(np.abs(update).max()) if update.size else 0.0
    width = max((len(t.text) for t in analysis.tokens), default=4)
    yield (f"layer {analysis.layer} state {analysis.state}: one cell per unit cluster "
           f"(height = |net update|, {'orange' if colour else 'plain'} = increase, "
           f"{'blue' if colour else 'marked -'} = decrease), kept = share of memory carried over, "
           f"word? = not in the model's vocabulary; state restarts: {analysis.reset}")
    per_unit = analysis.task == "classifier" and len(analysis.outputs) > 0
    unit_ends = {unit.stop - 1: (number, unit) for number, unit in enumerate(analysis.units, start=1)}
    for t, token in enumerate(analysis.tokens):
        cells = "".join(_cell(float(update[t, c]), scale, colour) for c in range(glyphs.n_clusters))
        kept = float(glyphs.kept[t].mean())
        output = analysis.outputs.json_at(t) if len(analysis.outputs) else {}
        if "next" in output:
            shown = "next: " + ", ".join(f"{n['word']} {n['p']:.2f}" for n in output["next"])
        elif "classes" in output:
            shown = "  ".join(f"{label} {p:.2f}" for label, p in output["classes"].items())
        else:
            shown = ""
        name = token.text if analysis.known[t] else f"{token.text}?"
        yield (f"{name:<{width + 1}} {cells}  kept {kept:4.2f}  {DIM if colour else ''}{shown}"
               f"{RESET if colour else ''}")
        if per_unit and t in unit_ends:
            yield _prediction(analysis, unit_ends[t][1], unit_ends[t][0], colour)
    words = analysis.extra.get("word_clusters", [])
    if words:
        yield ""
        yield ("co-clusters (unit cluster: its words)" +
               (" — from this text only: the model names no training corpus" if
                analysis.extra.get("clusters_from") == "text" else ""))
        units = analysis.unit_labels[analysis.layer]
        for c, cluster_words in enumerate(words):
            yield f"  [{c}] {int((units == c).sum())} units: {' '.join(cluster_words[:12])}"

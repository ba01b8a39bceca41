"""`rnnlens analyze FILE --model NAME [--layer L] [--state h|c] [--clusters K] [--json]`.

Without --json: one line per token with a coloured glyph (one cell per unit cluster: bar height
= size of the cluster's net update, orange = increase, blue = decrease), the kept rate, and the
model's output; then the co-cluster summary.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

from rnnlens.analysis.text_analysis import TextAnalysis
from rnnlens.cli.analysis_common import add_layer_state, add_model_path, make_service
from rnnlens.data.corpora import read_text_file
from rnnlens.errors import RnnLensError

BARS = "▁▂▃▄▅▆▇█"
ORANGE, BLUE, DIM, RESET = "\x1b[38;5;208m", "\x1b[38;5;33m", "\x1b[2m", "\x1b[0m"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("analyze", help="per-token glyphs of a text file (what each token did to memory)")
    parser.add_argument("file", type=Path, help="a UTF-8 text file")
    parser.add_argument("--model", required=True, help="model name or folder")
    add_layer_state(parser)
    parser.add_argument("--top-k", type=int, default=3, help="next-word predictions per token (LM; default 3)")
    parser.add_argument("--json", action="store_true", help="print JSON (tokens with text, start, end, glyph, ...)")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto", help="colour the glyphs")
    add_model_path(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    text = read_text_file(args.file)
    if not text.strip():
        raise RnnLensError(f"{args.file} is empty")
    service = make_service(args)
    analysis = service.analyze_text(args.model, text, args.layer, args.state, args.clusters, top_k=args.top_k)
    if args.json:
        print(json.dumps({"file": str(args.file), "model": args.model, **analysis.to_json()}))
        return 0
    colour = args.color == "always" or (args.color == "auto" and sys.stdout.isatty() and "NO_COLOR" not in os.environ)
    print(render(analysis, colour))
    return 0


def _cell(value: float, scale: float, colour: bool) -> str:
    level = 0 if scale <= 0 else min(len(BARS) - 1, int(abs(value) / scale * (len(BARS) - 1) + 0.5))
    char = BARS[level]
    if not colour:
        return char + ("-" if value < 0 else " ")
    return f"{ORANGE if value >= 0 else BLUE}{char}{RESET}"


def render(analysis: TextAnalysis, colour: bool) -> str:
    glyphs = analysis.glyphs[analysis.layer]
    update = glyphs.update
    scale = float(np.abs(update).max()) if update.size else 0.0
    width = max((len(t.text) for t in analysis.tokens), default=4)
    lines = [f"layer {analysis.layer} state {analysis.state}: one cell per unit cluster "
             f"(height = |net update|, {'orange' if colour else 'plain'} = increase, "
             f"{'blue' if colour else 'marked -'} = decrease), kept = share of memory carried over, "
             f"word? = not in the model's vocabulary"]
    for t, token in enumerate(analysis.tokens):
        cells = "".join(_cell(float(update[t, c]), scale, colour) for c in range(glyphs.n_clusters))
        kept = float(glyphs.kept[t].mean())
        output = analysis.outputs[t] if analysis.outputs else {}
        if "next" in output:
            shown = "next: " + ", ".join(f"{n['word']} {n['p']:.2f}" for n in output["next"])
        elif "classes" in output:
            shown = "  ".join(f"{label} {p:.2f}" for label, p in output["classes"].items())
        else:
            shown = ""
        name = token.text if analysis.known[t] else f"{token.text}?"
        lines.append(f"{name:<{width + 1}} {cells}  kept {kept:4.2f}  {DIM if colour else ''}{shown}"
                     f"{RESET if colour else ''}")
    words = analysis.extra.get("word_clusters", [])
    if words:
        lines.append("")
        lines.append("co-clusters (unit cluster: its words)" +
                     (" — from this text only: the model names no training corpus" if
                      analysis.extra.get("clusters_from") == "text" else ""))
        units = analysis.unit_labels[analysis.layer]
        for c, cluster_words in enumerate(words):
            lines.append(f"  [{c}] {int((units == c).sum())} units: {' '.join(cluster_words[:12])}")
    return "\n".join(lines)

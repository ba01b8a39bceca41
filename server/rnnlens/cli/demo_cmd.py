"""`rnnlens demo`: what the quick start runs before the analysis engine lands (replaced later)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="per token: the model's prediction and the units that moved most")
    parser.add_argument("--model", default="brown-lstm")
    parser.add_argument("--file", default=None)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import torch

    from rnnlens.data.corpora import read_text_file
    from rnnlens.models.registry import ModelRegistry
    from rnnlens.paths import SAMPLE_TEXTS_DIR

    model = ModelRegistry().get(args.model)
    path = args.file or str(SAMPLE_TEXTS_DIR / "kitchen.txt")
    from pathlib import Path

    tokens, trace = model.trace_text(read_text_file(Path(path)))
    name = f"layer{model.num_layers}.{model.default_state}"
    response = trace.response(name)[0]
    for t, token in enumerate(tokens):
        moved = torch.topk(response[t].abs(), 3).indices.tolist()
        probs = torch.softmax(trace.outputs[0, t], -1) if trace.outputs is not None else None
        if probs is None:
            shown = "-"
        elif model.task == "lm":
            shown = "next: " + model.vocab.words[int(probs.argmax())]
        else:
            shown = f"{model.labels[int(probs.argmax())]} {float(probs.max()):.2f}"
        print(f"{token.text:<14} {shown:<22} units {moved}")
    return 0

"""Per-token analysis of one text: spans, glyphs for every layer, responses, moved units, outputs.

Given the unit clusters of each layer (from co-clustering), one trace of the text yields
everything the editor shows for it: the glyph of every token at every layer (DESIGN.md item 6),
the chosen layer's response vector, the units that moved most, and what the model predicts
(next-word top-k for a language model, class probabilities for a classifier).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from rnnlens.analysis.glyphs import Glyphs, compute_glyphs
from rnnlens.data.tokenizer import Token
from rnnlens.errors import RnnLensError
from rnnlens.models.loaded import LoadedModel
from rnnlens.models.trace import Trace


@dataclass
class TextAnalysis:
    tokens: list[Token]
    known: list[bool]
    layer: int  # the chosen layer (1-based)
    state: str
    k: int
    glyphs: dict[int, Glyphs]  # every layer
    unit_labels: dict[int, np.ndarray]  # every layer
    responses: np.ndarray  # (T, H) chosen layer/state
    states: np.ndarray  # (T, H) chosen layer/state
    top_units: list[list[dict[str, float]]]  # per token: units with the largest |response|
    outputs: list[dict[str, Any]]  # per token: next-word top-k or class probabilities
    task: str
    labels: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def token_json(self, t: int) -> dict[str, Any]:
        token = self.tokens[t]
        return {"text": token.text, "start": token.start, "end": token.end, "norm": token.norm,
                "known": self.known[t], "glyph": self.glyphs[self.layer].row(t),
                "glyphs": {str(layer): g.row(t) for layer, g in self.glyphs.items()},
                "response": np.round(self.responses[t], 5).tolist(),
                "top_units": self.top_units[t], "output": self.outputs[t]}

    def to_json(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "layer": self.layer, "state": self.state, "k": self.k, "task": self.task, "labels": self.labels,
            "tokens": [self.token_json(t) for t in range(len(self.tokens))],
            "unit_clusters": {str(layer): [np.flatnonzero(lab == c).tolist() for c in range(self.k)]
                              for layer, lab in self.unit_labels.items()},
        }
        if self.task == "classifier" and self.outputs:
            result["prediction"] = self.outputs[-1]
        result.update(self.extra)
        return result


def _top_moved(responses: np.ndarray, count: int) -> list[list[dict[str, float]]]:
    order = np.argsort(-np.abs(responses), axis=1, kind="stable")[:, :count]
    return [[{"unit": int(u), "response": round(float(responses[t, u]), 5)} for u in order[t]]
            for t in range(responses.shape[0])]


def _outputs(model: LoadedModel, trace: Trace, top_k: int) -> list[dict[str, Any]]:
    if trace.outputs is None:
        return []
    probs = torch.softmax(trace.outputs[0].float(), dim=-1)
    if model.task == "classifier":
        return [{"classes": {label: round(float(p), 6) for label, p in zip(model.labels, row.tolist(), strict=False)}}
                for row in probs]
    values, ids = torch.topk(probs, k=min(top_k, probs.shape[1]), dim=-1)
    return [{"next": [{"word": model.vocab.words[int(i)], "p": round(float(v), 6)}
                      for v, i in zip(vals.tolist(), idx.tolist(), strict=True)]}
            for vals, idx in zip(values, ids, strict=True)]


def trace_tokens(model: LoadedModel, tokens: list[Token]) -> tuple[Trace, list[bool]]:
    ids = model.encode(tokens)
    unk = model.vocab.unk_id
    known = [i != unk for i in ids]
    trace = model.trace(torch.tensor([ids], dtype=torch.long), outputs=True)
    return trace, known


def analyze_tokens(model: LoadedModel, tokens: list[Token], unit_labels: dict[int, np.ndarray], layer: int,
                   state: str, k: int, top_k: int = 5, top_units: int = 5) -> TextAnalysis:
    """Trace `tokens` once; glyphs for each layer in `unit_labels` (layer -> (H,) labels in 0..k-1)."""
    if not tokens:
        raise RnnLensError("the text holds no tokens to analyse")
    trace, known = trace_tokens(model, tokens)
    glyphs: dict[int, Glyphs] = {}
    for index, labels in unit_labels.items():
        name = f"layer{index}.{state}"
        glyphs[index] = compute_glyphs(trace[name][0].numpy(), trace.previous(name)[0].numpy(), labels, k)
    name = f"layer{layer}.{state}"
    responses = trace.response(name)[0].numpy()
    return TextAnalysis(tokens=tokens, known=known, layer=layer, state=state, k=k, glyphs=glyphs,
                        unit_labels=unit_labels, responses=responses, states=trace[name][0].numpy(),
                        top_units=_top_moved(responses, top_units), outputs=_outputs(model, trace, top_k),
                        task=model.task, labels=list(model.labels))

"""Per-token analysis of one text: spans, glyphs for every layer, responses, moved units, outputs.

Given the unit clusters of each layer (from co-clustering), one pass over the text yields
everything the editor shows for it: the glyph of every token at every layer (docs/analysis.md,
"Sequence glyphs"), the chosen layer's response vector, the units that moved most, and what
the model predicts (`model_outputs`), per unit of the document when it is read in units.

Memory stays proportional to T x (k + hidden units): the text is traced in blocks of
`ANALYSIS_BLOCK` steps, and each block's states become glyphs, responses and top-k outputs
before the next block runs, so no T x vocabulary or all-layer T x hidden arrays ever exist.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from rnnlens.analysis.glyphs import GLYPH_FIELDS, Glyphs, compute_glyphs
from rnnlens.analysis.model_outputs import StepOutputs, no_outputs, step_outputs
from rnnlens.analysis.text_units import line_numbers, unit_spans
from rnnlens.data.tokenizer import Token
from rnnlens.errors import RnnLensError
from rnnlens.models.loaded import LoadedModel

ANALYSIS_BLOCK = 1024  # steps traced and summarised at once (all layers' states of one block only)
MOVED_UNITS = 5


@dataclass(frozen=True)
class TextUnit:
    """One unit of the document (the whole text, a line or a paragraph): tokens [first, stop)."""

    first: int
    stop: int
    start: int  # code-point offset of its first token
    end: int  # end offset of its last token
    line: int = 0  # the 0-based LSP line it starts on


@dataclass
class TextAnalysis:
    tokens: list[Token]
    known: list[bool]
    layer: int  # the chosen layer (1-based)
    state: str
    k: int
    glyphs: dict[int, Glyphs]  # every layer
    unit_labels: dict[int, np.ndarray]  # every layer
    responses: np.ndarray  # (T, H) float32, chosen layer/state
    moved_units: np.ndarray  # (T, n) int32: per token the units with the largest |response|, largest first
    moved_responses: np.ndarray  # (T, n) float32: their responses
    outputs: StepOutputs  # per token: next-word top-k or class probabilities
    task: str
    labels: list[str] = field(default_factory=list)
    reset: str = "none"  # where the state restarted: none | lines | paragraphs
    units: list[TextUnit] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def top_units(self, t: int) -> list[dict[str, float]]:
        return [{"unit": int(u), "response": round(float(r), 5)}
                for u, r in zip(self.moved_units[t], self.moved_responses[t], strict=True)]

    def token_json(self, t: int) -> dict[str, Any]:
        token = self.tokens[t]
        return {"text": token.text, "start": token.start, "end": token.end, "norm": token.norm,
                "known": self.known[t], "glyph": self.glyphs[self.layer].row(t),
                "glyphs": {str(layer): g.row(t) for layer, g in self.glyphs.items()},
                "response": np.round(self.responses[t], 5).tolist(),
                "top_units": self.top_units(t), "output": self.outputs.json_at(t)}

    def unit_json(self, unit: TextUnit) -> dict[str, Any]:
        row: dict[str, Any] = {"start": unit.start, "end": unit.end, "line": unit.line,
                               "tokens": [unit.first, unit.stop]}
        if self.task == "classifier" and len(self.outputs):
            row["prediction"] = self.outputs.json_at(unit.stop - 1)
        return row

    def to_json(self, tokens: bool = True) -> dict[str, Any]:
        """Everything as one JSON-ready dict; `tokens=False` leaves the per-token list out (see `json_parts`)."""
        result: dict[str, Any] = {
            "layer": self.layer, "state": self.state, "k": self.k, "task": self.task, "labels": self.labels,
            "reset": self.reset,
            "unit_clusters": {str(layer): [np.flatnonzero(lab == c).tolist() for c in range(self.k)]
                              for layer, lab in self.unit_labels.items()},
            "units": [self.unit_json(unit) for unit in self.units],
        }
        if tokens:
            result["tokens"] = [self.token_json(t) for t in range(len(self.tokens))]
        if self.task == "classifier" and len(self.outputs):
            result["prediction"] = self.outputs.json_at(len(self.outputs) - 1)  # the last unit's
        result.update(self.extra)
        return result

    def window_json(self, first: int, stop: int) -> dict[str, Any]:
        """`to_json()` with per-token detail for tokens [first, stop) only, saying which
        (`tokens_shown`, `tokens_total`): what an answer that must stay small carries."""
        result = self.to_json(tokens=False)
        result["tokens"] = [self.token_json(t) for t in range(first, stop)]
        result["tokens_shown"], result["tokens_total"] = [first, stop], len(self.tokens)
        return result

    def json_parts(self, header: dict[str, Any] | None = None, batch: int = 512) -> Iterator[str]:
        """The JSON document of `to_json()` (after `header`'s keys) as consecutive strings, so a
        writer never holds every token's dict at once (a 1 MB text is about 200,000 tokens)."""
        head = json.dumps({**(header or {}), **self.to_json(tokens=False)})
        yield head[:-1] + ', "tokens": ['
        for lo in range(0, len(self.tokens), batch):
            rows = ", ".join(json.dumps(self.token_json(t)) for t in range(lo, min(lo + batch, len(self.tokens))))
            yield (", " if lo else "") + rows
        yield "]}"


def token_window(starts: Sequence[int], offset: int, size: int) -> tuple[int, int]:
    """[first, stop) of at most `size` tokens centred on the token at or before `offset`."""
    count = len(starts)
    if count <= size:
        return 0, count
    at = max(0, bisect.bisect_right(starts, offset) - 1)
    first = min(max(0, at - size // 2), count - size)
    return first, first + size


def analyze_tokens(model: LoadedModel, tokens: list[Token], unit_labels: dict[int, np.ndarray], layer: int,
                   state: str, k: int, top_k: int = 5, top_units: int = MOVED_UNITS,
                   starts: np.ndarray | None = None, reset: str = "none",
                   block: int = ANALYSIS_BLOCK, detail: bool = True, text: str | None = None) -> TextAnalysis:
    """Trace `tokens`; glyphs for each layer in `unit_labels` (layer -> (H,) labels in 0..k-1).

    `starts` are the token indices where the state restarts from zero (`text_units.unit_starts`;
    None: the text is one unit), `reset` names that choice for the result. `detail=False` keeps
    only what a text report shows: the chosen layer's glyphs, no response vectors (`responses`
    is then (T, 0)), about half the memory a token. `text` (the tokens' source) gives each unit
    its line number.
    """
    if not detail:
        unit_labels = {layer: unit_labels[layer]}
    if not tokens:
        raise RnnLensError("the text holds no tokens to analyse")
    ids = np.asarray(model.encode(tokens), dtype=np.int64)
    unk = model.vocab.unk_id
    steps = len(tokens)
    spans = unit_spans(np.zeros(1, dtype=np.int64) if starts is None else starts, steps)
    chosen = f"layer{layer}.{state}"
    top_h = f"layer{model.num_layers}.h"
    names = sorted({f"layer{index}.{state}" for index in unit_labels} | {chosen, top_h})
    hidden = int(model.stack.layers[layer - 1].hidden_size)
    glyph_rows = {index: {name: np.zeros((steps, k), dtype=np.float32) for name in GLYPH_FIELDS}
                  for index in unit_labels}
    responses = np.zeros((steps, hidden if detail else 0), dtype=np.float32)
    n_moved = max(0, min(top_units, hidden))
    moved_units = np.zeros((steps, n_moved), dtype=np.int32)
    moved_responses = np.zeros((steps, n_moved), dtype=np.float32)
    outputs: StepOutputs | None = None  # filled block by block (one allocation: no small blocks pinning the heap)
    for lo, current, previous in trace_blocks(model, ids, spans, names, block):
        hi = lo + current[chosen].shape[0]
        for index, labels in unit_labels.items():
            name = f"layer{index}.{state}"
            made = compute_glyphs(current[name], previous[name], labels, k)
            for glyph_field in GLYPH_FIELDS:
                glyph_rows[index][glyph_field][lo:hi] = getattr(made, glyph_field)
        response = current[chosen] - previous[chosen]
        if detail:
            responses[lo:hi] = response
        order = np.argsort(-np.abs(response), axis=1, kind="stable")[:, :n_moved]
        moved_units[lo:hi] = order
        moved_responses[lo:hi] = np.take_along_axis(response, order, axis=1)
        made_outputs = step_outputs(model, current[top_h], top_k)
        if outputs is None:
            width = made_outputs.ids.shape[1]
            outputs = StepOutputs(made_outputs.kind, made_outputs.names, np.zeros((steps, width), dtype=np.int32),
                                  np.zeros((steps, width), dtype=np.float32))
        outputs.ids[lo:hi], outputs.probs[lo:hi] = made_outputs.ids, made_outputs.probs
    firsts = [tokens[first].start for first, _ in spans]
    lines = line_numbers(text, firsts) if text is not None else np.zeros(len(spans), dtype=np.int64)
    units = [TextUnit(first, stop, start, tokens[stop - 1].end, int(line))
             for (first, stop), start, line in zip(spans, firsts, lines, strict=True)]
    return TextAnalysis(tokens=tokens, known=[bool(i != unk) for i in ids], layer=layer, state=state, k=k,
                        glyphs={index: Glyphs(**rows) for index, rows in glyph_rows.items()},
                        unit_labels=unit_labels, responses=responses, moved_units=moved_units,
                        moved_responses=moved_responses, outputs=outputs or no_outputs(steps), task=model.task,
                        labels=list(model.labels), reset=reset, units=units)


def trace_blocks(model: LoadedModel, ids: np.ndarray, spans: list[tuple[int, int]], names: list[str],
                 block: int) -> Iterator[tuple[int, dict[str, np.ndarray], dict[str, np.ndarray]]]:
    """(first token, s_t, s_{t-1}) of consecutive runs of about `block` tokens, state names -> (n, H).

    Each unit starts from the zero state (so its previous state at its first token is zero);
    a unit longer than `block` continues from its last block's final state. Short units are
    traced one by one (exactly as if analysed alone) and handed on together.
    """
    pending: list[tuple[dict[str, np.ndarray], dict[str, np.ndarray]]] = []
    pending_first = pending_size = 0
    for first, stop in spans:
        state = None
        for lo in range(first, stop, block):
            hi = min(stop, lo + block)
            trace = model.trace(torch.from_numpy(ids[lo:hi]).view(1, -1), initial=state, outputs=False, names=names)
            state = trace.final_state
            if not pending:
                pending_first = lo
            pending.append(({n: trace[n][0].numpy() for n in names},
                            {n: trace.previous(n)[0].numpy() for n in names}))
            pending_size += hi - lo
            if pending_size >= block:
                yield pending_first, *_merged(pending, names)
                pending, pending_size = [], 0
    if pending:
        yield pending_first, *_merged(pending, names)


def _merged(pieces: list[tuple[dict[str, np.ndarray], dict[str, np.ndarray]]],
            names: list[str]) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    if len(pieces) == 1:
        return pieces[0]
    return ({n: np.concatenate([piece[0][n] for piece in pieces]) for n in names},
            {n: np.concatenate([piece[1][n] for piece in pieces]) for n in names})


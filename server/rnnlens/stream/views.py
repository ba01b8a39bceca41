"""Analysis results -> protocol records (pure: results in, message dicts out).

Shapes follow protocol/messages.json; arrays stay numpy and become typed binary on the wire.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from rnnlens.analysis.cocluster import CoclusterResult
from rnnlens.analysis.text_analysis import TextAnalysis
from rnnlens.protocol.messages import Coclustering, GlyphSequence, ModelInfo, WordDistribution

PosLookup = Callable[[str], "str | None"]


def model_info(row: dict[str, Any], state_kinds: Sequence[str] = (), default_state: str = "") -> ModelInfo:
    """A registry row (`LoadedModel.describe()`, or {name, error}) as the panel lists it."""
    return ModelInfo(name=str(row["name"]), task=str(row.get("task", "")), cell=str(row.get("cell", "")),
                     layers=int(row.get("layers", 0)), hidden_size=int(row.get("hidden_size", 0)),
                     state_kinds=list(state_kinds), default_state=default_state,
                     labels=[str(label) for label in row.get("labels", [])], error=row.get("error"))


def coclustering(result: CoclusterResult, model: str, hidden_size: int, pos: PosLookup,
                 responses: np.ndarray | None = None) -> Coclustering:
    return Coclustering(
        model=model, layer=int(result.layer), state=result.state, k=int(result.k), hidden_size=hidden_size,
        unit_labels=np.asarray(result.unit_labels, dtype=np.int32),
        unit_strength=np.asarray(result.unit_strength, dtype=np.float32),
        words=list(result.words),
        word_labels=np.asarray(result.word_labels, dtype=np.int32),
        word_strength=np.asarray(result.word_strength, dtype=np.float32),
        word_pos=[pos(word) for word in result.words],
        links=np.asarray(result.links, dtype=np.float32),
        order=np.asarray(result.order, dtype=np.int32),
        responses=None if responses is None else np.asarray(responses, dtype=np.float16),
    )


def _outputs(analysis: TextAnalysis) -> tuple[list[list[str]], np.ndarray]:
    """Per token: next-word top-k (LM) or every class (classifier), with probabilities (T, k)."""
    names: list[list[str]] = []
    probs: list[list[float]] = []
    for output in analysis.outputs:
        if "classes" in output:
            pairs = list(output["classes"].items())
        else:
            pairs = [(item["word"], item["p"]) for item in output.get("next", [])]
        names.append([str(name) for name, _ in pairs])
        probs.append([float(p) for _, p in pairs])
    width = max((len(row) for row in probs), default=0)
    table = np.zeros((len(probs), width), dtype=np.float32)
    for t, row in enumerate(probs):
        table[t, :len(row)] = row
    return names, table


def glyph_sequence(analysis: TextAnalysis, model: str, text: str) -> GlyphSequence:
    glyphs = analysis.glyphs[analysis.layer]
    names, probs = _outputs(analysis)
    return GlyphSequence(
        model=model, layer=int(analysis.layer), state=analysis.state, k=int(analysis.k), text=text,
        tokens=[{"text": t.text, "start": int(t.start), "end": int(t.end)} for t in analysis.tokens],
        positive=glyphs.positive, negative=glyphs.negative, delta_positive=glyphs.delta_positive,
        delta_negative=glyphs.delta_negative, update=glyphs.update, kept=glyphs.kept,
        responses=np.asarray(analysis.responses, dtype=np.float32),
        outputs=names, output_probs=probs,
    )


def word_distribution(entries: Sequence[dict[str, Any]]) -> WordDistribution:
    """explain_unit's entries -> words, means (n,), percentiles 9/25/50/75/91 (n, 5); NaN when unsketched."""
    percentiles = np.full((len(entries), 5), np.nan, dtype=np.float32)
    for i, entry in enumerate(entries):
        box = entry.get("box")
        if box:
            percentiles[i] = [box["p9"], box["p25"], box["p50"], box["p75"], box["p91"]]
    return WordDistribution(words=[str(e["word"]) for e in entries],
                            mean=np.array([e["mean"] for e in entries], dtype=np.float32).reshape(-1),
                            percentiles=percentiles)

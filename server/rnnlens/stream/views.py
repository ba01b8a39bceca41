"""Analysis results -> protocol records (pure: results in, message dicts out).

Shapes follow protocol/messages.json; arrays stay numpy and become typed binary on the wire.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from rnnlens.analysis.cocluster import CoclusterResult
from rnnlens.analysis.explanations import WordResponse
from rnnlens.analysis.provenance import Provenance
from rnnlens.analysis.text_analysis import TextAnalysis
from rnnlens.protocol.messages import Coclustering, GlyphSequence, ModelInfo, WordDistribution
from rnnlens.protocol.messages import Provenance as ProvenanceRecord

PosLookup = Callable[[str], "str | None"]


def model_info(row: dict[str, Any], state_kinds: Sequence[str] = (), default_state: str = "") -> ModelInfo:
    """A registry row (`LoadedModel.describe()`, or {name, error}) as the panel lists it."""
    return ModelInfo(name=str(row["name"]), task=str(row.get("task", "")), cell=str(row.get("cell", "")),
                     layers=int(row.get("layers", 0)), hidden_size=int(row.get("hidden_size", 0)),
                     state_kinds=list(state_kinds), default_state=default_state,
                     labels=[str(label) for label in row.get("labels", [])], error=row.get("error"))


def provenance_record(provenance: Provenance | None) -> ProvenanceRecord | None:
    if provenance is None:
        return None
    return ProvenanceRecord(**provenance.to_json())  # type: ignore[typeddict-item]


def coclustering(result: CoclusterResult, model: str, hidden_size: int, pos: PosLookup,
                 responses: np.ndarray | None = None) -> Coclustering:
    """`pos` gives the Brown corpus's majority tag of a word (None when Brown lacks it)."""
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
        provenance=provenance_record(Provenance.carried_by(result.extra)),
    )


def _outputs(analysis: TextAnalysis) -> tuple[list[list[str]], np.ndarray]:
    """Per token: next-word top-k (LM) or every class (classifier), with probabilities (T, k)."""
    outputs = analysis.outputs
    names = outputs.names
    return [[names[int(i)] for i in row] for row in outputs.ids], np.asarray(outputs.probs, dtype=np.float32)


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
        provenance=provenance_record(Provenance.carried_by(analysis.extra)),
    )


def word_distribution(entries: Sequence[WordResponse]) -> WordDistribution:
    """A unit's listed words -> words, means (n,), percentiles 9/25/50/75/91 (n, 5; NaN when unsketched),
    and how often each word was seen."""
    percentiles = np.full((len(entries), 5), np.nan, dtype=np.float32)
    for i, entry in enumerate(entries):
        if entry.box:
            box = entry.box
            percentiles[i] = [box["p9"], box["p25"], box["p50"], box["p75"], box["p91"]]
    return WordDistribution(words=[e.word for e in entries],
                            mean=np.array([e.mean for e in entries], dtype=np.float32).reshape(-1),
                            percentiles=percentiles, counts=np.array([e.count for e in entries], dtype=np.int32))

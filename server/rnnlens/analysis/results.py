"""Typed results of the analysis service that are not a single engine's output.

`Statistics`: a model's expected responses on one corpus, with their provenance and cache key.
`Comparison`: two models' co-clusterings on the same kind of statistics, matched.
(Unit and word explanations live with the code that makes them, in explanations.py.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rnnlens.analysis.alignment import ClusterAlignment
from rnnlens.analysis.cocluster import CoclusterResult
from rnnlens.analysis.provenance import Provenance
from rnnlens.analysis.response_stats import ResponseStats
from rnnlens.analysis.text_analysis import TextAnalysis


@dataclass(frozen=True)
class Statistics:
    stats: ResponseStats
    provenance: Provenance
    key: str  # the cache key: weights, vocabulary, tokenizer, corpus content, engine version
    # False for a sample's shipped view (store/shipped_stats.py): only some states, no percentile samples.
    complete: bool = True

    def summary_json(self) -> dict[str, Any]:
        """What `evaluate --json` prints."""
        return {"model": self.provenance.model, "corpus": self.provenance.corpus_label,
                "tokens": self.stats.tokens, "words": self.provenance.distinct_words,
                "unknown_rate": round(self.provenance.unknown_rate, 6), "states": self.stats.state_names,
                "provenance": self.provenance.to_json()}


@dataclass(frozen=True)
class Comparison:
    models: tuple[str, str]
    coclusters: tuple[CoclusterResult, CoclusterResult]
    alignment: ClusterAlignment
    provenance: tuple[Provenance, Provenance]
    texts: tuple[TextAnalysis, TextAnalysis] | None = None  # both models' glyphs of one text, if asked

    @property
    def similarity(self) -> float:
        return self.alignment.similarity

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"models": list(self.models), "coclusters": [r.to_json() for r in self.coclusters],
                               "alignment": self.alignment.to_json(), "similarity": self.alignment.similarity,
                               "provenance": [p.to_json() for p in self.provenance]}
        if self.texts is not None:
            out["texts"] = [t.to_json() for t in self.texts]
        return out

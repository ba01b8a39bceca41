"""Explanations from expected responses: a unit's top words (docs/method.md, step 3), a word's profile.

Pure: statistics in, typed records out (the service adds the model, layer and provenance).
A unit is explained by words seen often enough for their mean response to mean something:
a word seen 5 times can have a large mean by chance and would otherwise lead the list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rnnlens.analysis.provenance import Provenance
from rnnlens.analysis.quantile_sketch import PERCENTILES
from rnnlens.analysis.response_stats import ResponseStats

EXCLUDED_WORDS = frozenset({"<pad>", "<unk>"})
# A word explains a unit only when seen at least this often (the standard error of a mean of
# 20 responses is under a quarter of their spread). Small corpora fall back to lower minimums,
# in this order, until enough words remain; the result says which minimum was used.
MIN_EXPLAIN_COUNT = 20
FALLBACK_MIN_COUNTS = (10, 5, 2, 1)
POS_SOURCE = "majority tag of the word in the Brown corpus"


@dataclass(frozen=True)
class WordResponse:
    """One word's responses at a unit: mean, spread, how often it was seen, and box-plot numbers."""

    word: str
    mean: float
    std: float
    count: int
    box: dict[str, float] | None  # p9/p25/p50/p75/p91, mean, samples; None when not sketched

    def to_json(self) -> dict[str, Any]:
        return {"word": self.word, "mean": self.mean, "std": self.std, "count": self.count, "box": self.box}


@dataclass
class UnitExplanation:
    state: str  # `layer2.c`
    unit: int
    positive: list[WordResponse]  # largest positive mean first
    negative: list[WordResponse]  # largest negative mean first
    min_count: int  # the fewest occurrences a listed word has
    model: str = ""
    layer: int = 0
    provenance: Provenance | None = None

    @property
    def state_kind(self) -> str:
        return self.state.split(".", 1)[-1]

    def to_json(self) -> dict[str, Any]:
        # `state` as every other answer names it (h or c; the layer is its own field)
        return {"model": self.model, "layer": self.layer, "state": self.state_kind, "unit": self.unit,
                "min_count": self.min_count, "positive": [w.to_json() for w in self.positive],
                "negative": [w.to_json() for w in self.negative], "percentiles": list(PERCENTILES),
                "provenance": None if self.provenance is None else self.provenance.to_json()}


@dataclass
class WordExplanation:
    """A word's mean response over all units of one state (None arrays: never seen)."""

    word: str
    state: str
    count: int
    mean: np.ndarray | None  # (H,)
    std: np.ndarray | None
    top_units: list[tuple[int, float]] = field(default_factory=list)  # (unit, mean), largest |mean| first
    model: str = ""
    layer: int = 0
    cluster: int | None = None  # its word cluster, when it is among the co-clustered words
    pos: str | None = None  # POS_SOURCE; None when the Brown corpus does not have the word
    provenance: Provenance | None = None
    # (5, H) percentiles 9/25/50/75/91 per unit over the sketch's samples; None when not sketched
    percentiles: np.ndarray | None = None

    @property
    def state_kind(self) -> str:
        return self.state.split(".", 1)[-1]

    def to_json(self) -> dict[str, Any]:
        return {"model": self.model, "layer": self.layer, "word": self.word, "state": self.state,
                "count": self.count,
                "mean": None if self.mean is None else np.round(self.mean, 6).tolist(),
                "std": None if self.std is None else np.round(self.std, 6).tolist(),
                "top_units": [{"unit": u, "mean": m} for u, m in self.top_units],
                "cluster": self.cluster, "pos": self.pos, "pos_source": POS_SOURCE if self.pos else None,
                "provenance": None if self.provenance is None else self.provenance.to_json()}


def eligible_rows(stats: ResponseStats, wanted: int) -> tuple[np.ndarray, int]:
    """Rows of words seen at least MIN_EXPLAIN_COUNT times, lowering the minimum (FALLBACK_MIN_COUNTS)
    while fewer than `wanted` words qualify. Returns the rows and the minimum used."""
    excluded = np.array([stats.word(int(r)) in EXCLUDED_WORDS for r in range(len(stats.row_ids))], dtype=bool)
    rows = np.empty(0, dtype=np.int64)
    for minimum in (MIN_EXPLAIN_COUNT, *FALLBACK_MIN_COUNTS):
        rows = np.flatnonzero((stats.count >= minimum) & ~excluded)
        if rows.size >= wanted:
            return rows, minimum
    return rows, FALLBACK_MIN_COUNTS[-1]


def _box(stats: ResponseStats, name: str, row: int, unit: int) -> dict[str, float] | None:
    """Box-plot numbers (9/25/50/75/91 and mean) of the word's responses at this unit, if sketched."""
    slot = stats.sketch.slot_of(int(stats.row_ids[row]))
    if slot is None:
        return None
    values = stats.sketch.percentiles(name, slot, np.array([unit]))
    if values is None:
        return None
    box = {f"p{p}": round(float(v), 6) for p, v in zip(PERCENTILES, values[:, 0], strict=True)}
    box["mean"] = round(float(stats.mean[name][row, unit]), 6)
    box["samples"] = stats.sketch.sample_count(slot)
    return box


def explain_unit(stats: ResponseStats, name: str, unit: int, top: int = 10) -> UnitExplanation:
    """The words with the largest positive and the largest negative mean response at `unit`."""
    hidden = stats.mean[name].shape[1]
    if not 0 <= unit < hidden:
        raise ValueError(f"unit {unit} is out of range 0..{hidden - 1}")
    # Enough words for both lists to fill even when most words push the unit one way.
    rows, minimum = eligible_rows(stats, 4 * top)
    means = stats.mean[name][rows, unit]
    std = np.sqrt(stats.variance(name)[rows, unit])

    def entries(order: np.ndarray) -> list[WordResponse]:
        return [WordResponse(word=stats.word(int(rows[i])), mean=round(float(means[i]), 6),
                             std=round(float(std[i]), 6), count=int(stats.count[rows[i]]),
                             box=_box(stats, name, int(rows[i]), unit)) for i in order[:top]]

    positive = np.argsort(-means, kind="stable")
    negative = np.argsort(means, kind="stable")
    return UnitExplanation(state=name, unit=unit, positive=entries(positive[means[positive] > 0]),
                           negative=entries(negative[means[negative] < 0]), min_count=minimum)


def explain_word(stats: ResponseStats, name: str, word_id: int, word: str) -> WordExplanation:
    """The word's mean response over all units of `name` (count 0 and no arrays if never seen)."""
    row = stats.row_of(word_id)
    if row is None or stats.count[row] == 0:
        return WordExplanation(word=word, state=name, count=0, mean=None, std=None)
    mean = stats.mean[name][row]
    std = np.sqrt(stats.variance(name)[row])
    order = np.argsort(-np.abs(mean), kind="stable")
    slot = stats.sketch.slot_of(int(stats.row_ids[row]))
    percentiles = None if slot is None or name not in stats.sketch.values else stats.sketch.percentiles(name, slot)
    return WordExplanation(word=stats.word(row), state=name, count=int(stats.count[row]), mean=mean, std=std,
                           top_units=[(int(u), round(float(mean[u]), 6)) for u in order[:10]],
                           percentiles=percentiles)

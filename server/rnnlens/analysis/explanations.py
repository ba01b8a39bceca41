"""Explanations from expected responses: a unit's top words (DESIGN.md item 3), a word's profile.

Pure: statistics in, JSON-ready dicts out.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rnnlens.analysis.quantile_sketch import PERCENTILES
from rnnlens.analysis.response_stats import ResponseStats

EXCLUDED_WORDS = frozenset({"<pad>", "<unk>"})


def _eligible_rows(stats: ResponseStats, min_count: int) -> np.ndarray:
    rows = np.flatnonzero(stats.count >= min_count)
    if rows.size == 0:
        rows = np.flatnonzero(stats.count > 0)
    return np.array([r for r in rows if stats.word(int(r)) not in EXCLUDED_WORDS], dtype=np.int64)


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


def explain_unit(stats: ResponseStats, name: str, unit: int, top: int = 10, min_count: int = 5) -> dict[str, Any]:
    """The words with the largest positive and the largest negative mean response at `unit`."""
    hidden = stats.mean[name].shape[1]
    if not 0 <= unit < hidden:
        raise ValueError(f"unit {unit} is out of range 0..{hidden - 1}")
    rows = _eligible_rows(stats, min_count)
    means = stats.mean[name][rows, unit]
    std = np.sqrt(stats.variance(name)[rows, unit])

    def entries(order: np.ndarray) -> list[dict[str, Any]]:
        out = []
        for i in order[:top]:
            row = int(rows[i])
            out.append({"word": stats.word(row), "mean": round(float(means[i]), 6), "std": round(float(std[i]), 6),
                        "count": int(stats.count[row]), "box": _box(stats, name, row, unit)})
        return out

    positive = np.argsort(-means, kind="stable")
    negative = np.argsort(means, kind="stable")
    return {"state": name, "unit": unit,
            "positive": entries(positive[means[positive] > 0]),
            "negative": entries(negative[means[negative] < 0]),
            "percentiles": list(PERCENTILES)}


def explain_word(stats: ResponseStats, name: str, word_id: int) -> dict[str, Any] | None:
    """The word's mean response over all units of `name` (None if it never occurred)."""
    row = stats.row_of(word_id)
    if row is None or stats.count[row] == 0:
        return None
    mean = stats.mean[name][row]
    std = np.sqrt(stats.variance(name)[row])
    order = np.argsort(-np.abs(mean), kind="stable")
    return {"word": stats.word(row), "state": name, "count": int(stats.count[row]),
            "mean": np.round(mean, 6).tolist(), "std": np.round(std, 6).tolist(),
            "top_units": [{"unit": int(u), "mean": round(float(mean[u]), 6)} for u in order[:10]]}

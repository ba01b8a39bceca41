"""Sequence glyphs: what each token did to each unit cluster's memory (docs/analysis.md, "Sequence glyphs").

For a unit cluster C at step t, with s the chosen state and r_t = s_t - s_{t-1}:
  positive       P_t = sum of the positive entries of s_t over C
  negative       N_t = magnitude of the sum of the negative entries of s_t over C (>= 0)
  delta_positive P_t - P_{t-1}
  delta_negative N_t - N_{t-1}  (a growth of the negative magnitude is positive here)
  update         U_t = sum of r_t over C
all divided by |C| so clusters of different sizes compare, and
  kept           sum over units of C whose sign did not change of min(|s_t|, |s_{t-1}|)
                 divided by sum over C of |s_{t-1}| (a share in [0, 1]: already size-free;
                 0 where the previous state holds nothing, e.g. at the first token).
Pure numpy: arrays in, arrays out.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np

GLYPH_FIELDS = ("positive", "negative", "delta_positive", "delta_negative", "update", "kept")
GLYPH_BLOCK = 4096  # rows computed at once


@dataclass
class Glyphs:
    """Per token (rows) and unit cluster (columns), float32 arrays shaped (T, K)."""

    positive: np.ndarray
    negative: np.ndarray
    delta_positive: np.ndarray
    delta_negative: np.ndarray
    update: np.ndarray
    kept: np.ndarray

    @property
    def n_tokens(self) -> int:
        return int(self.positive.shape[0])

    @property
    def n_clusters(self) -> int:
        return int(self.positive.shape[1])

    def row(self, t: int) -> list[dict[str, float]]:
        """Token t's glyph: one dict per unit cluster (JSON-ready floats)."""
        return [{"cluster": c, **{name: float(getattr(self, name)[t, c]) for name in GLYPH_FIELDS}}
                for c in range(self.n_clusters)]

    def to_json(self) -> dict[str, Any]:
        return {f.name: np.round(getattr(self, f.name), 6).tolist() for f in fields(self)}


def _cluster_sums(values: np.ndarray, unit_labels: np.ndarray, n_clusters: int) -> np.ndarray:
    """(T, H) -> (T, K): sum over the units of each cluster, via a one-hot matrix product."""
    membership = np.zeros((values.shape[1], n_clusters), dtype=np.float64)
    membership[np.arange(values.shape[1]), unit_labels] = 1.0
    return values.astype(np.float64) @ membership


def compute_glyphs(current: np.ndarray, previous: np.ndarray, unit_labels: np.ndarray, n_clusters: int,
                   block: int = GLYPH_BLOCK) -> Glyphs:
    """Glyphs for T tokens from s_t (`current`, (T, H)) and s_{t-1} (`previous`, (T, H)).

    Rows are done `block` at a time: the float64 working arrays are about ten times the input
    block, so a whole long document at once would need gigabytes (issue 11).
    """
    current = np.asarray(current)
    previous = np.asarray(previous)
    labels = np.asarray(unit_labels, dtype=np.int64)
    if current.ndim != 2 or current.shape != previous.shape:
        raise ValueError(f"current and previous must both be (T, H); got {current.shape} and {previous.shape}")
    if labels.shape != (current.shape[1],):
        raise ValueError(f"unit_labels must have one label per unit ({current.shape[1]}); got {labels.shape}")
    if n_clusters < 1 or (labels.size and (labels.min() < 0 or labels.max() >= n_clusters)):
        raise ValueError(f"unit labels must lie in 0..{n_clusters - 1}")
    steps = current.shape[0]
    if steps <= block:
        return _glyph_block(current, previous, labels, n_clusters)
    out = {name: np.empty((steps, n_clusters), dtype=np.float32) for name in GLYPH_FIELDS}
    for lo in range(0, steps, block):
        part = _glyph_block(current[lo:lo + block], previous[lo:lo + block], labels, n_clusters)
        for name in GLYPH_FIELDS:
            out[name][lo:lo + block] = getattr(part, name)
    return Glyphs(**out)


def _glyph_block(current: np.ndarray, previous: np.ndarray, labels: np.ndarray, n_clusters: int) -> Glyphs:
    current = np.asarray(current, dtype=np.float64)
    previous = np.asarray(previous, dtype=np.float64)
    sizes = np.maximum(np.bincount(labels, minlength=n_clusters), 1).astype(np.float64)

    def per_unit(values: np.ndarray) -> np.ndarray:
        return _cluster_sums(values, labels, n_clusters) / sizes

    positive = per_unit(np.clip(current, 0, None))
    negative = per_unit(np.clip(-current, 0, None))
    previous_positive = per_unit(np.clip(previous, 0, None))
    previous_negative = per_unit(np.clip(-previous, 0, None))
    update = per_unit(current - previous)
    same_sign = np.sign(current) == np.sign(previous)
    carried = np.where(same_sign, np.minimum(np.abs(current), np.abs(previous)), 0.0)
    carried_sum = _cluster_sums(carried, labels, n_clusters)
    held_sum = _cluster_sums(np.abs(previous), labels, n_clusters)
    kept = np.divide(carried_sum, held_sum, out=np.zeros_like(carried_sum), where=held_sum > 0)
    as32 = lambda a: np.ascontiguousarray(a, dtype=np.float32)  # noqa: E731
    return Glyphs(positive=as32(positive), negative=as32(negative),
                  delta_positive=as32(positive - previous_positive),
                  delta_negative=as32(negative - previous_negative),
                  update=as32(update), kept=as32(kept))

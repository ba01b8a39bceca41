"""Bounded-memory percentiles per word and unit: a mergeable bottom-k sample of occurrences.

Each occurrence of a tracked word draws a uniform random key; the sketch keeps, per word, the
`size` occurrences with the smallest keys (their full response vectors, float16). That is a
uniform sample without replacement of the word's occurrences, whatever the corpus length,
and two sketches merge exactly by keeping the smallest keys of the union, so shards combine.
Memory: words x size x units per state, fixed up front.
"""

from __future__ import annotations

import numpy as np

PERCENTILES = (9, 25, 50, 75, 91)


class BottomKSketch:
    """Samples of response vectors for a fixed list of word ids, one array per state name."""

    def __init__(self, word_ids: np.ndarray, state_sizes: dict[str, int], size: int = 48):
        self.word_ids = np.asarray(word_ids, dtype=np.int64)
        self.size = size
        self.keys = np.full((len(self.word_ids), size), np.inf)
        self.values = {name: np.zeros((len(self.word_ids), size, h), dtype=np.float16)
                       for name, h in state_sizes.items()}
        self._slot: dict[int, int] = {int(w): i for i, w in enumerate(self.word_ids)}

    def slot_lookup(self, vocab_size: int) -> np.ndarray:
        """vocab id -> sketch slot (-1 when the word is not tracked)."""
        table = np.full(vocab_size, -1, dtype=np.int64)
        table[self.word_ids] = np.arange(len(self.word_ids))
        return table

    def candidates(self, slots: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Which of these occurrences (slot per position, -1 untracked) may enter the sample.

        Returns (positions, keys). Most occurrences of a frequent word fall above its current
        threshold, so the per-word work below touches few rows.
        """
        tracked = np.flatnonzero(slots >= 0)
        keys = rng.random(tracked.size)
        threshold = self.keys[slots[tracked]].max(axis=1)
        keep = keys < threshold
        return tracked[keep], keys[keep]

    def offer(self, slots: np.ndarray, keys: np.ndarray, vectors: dict[str, np.ndarray]) -> None:
        """Insert candidate occurrences (slot, key, one vector per state) keeping the smallest keys."""
        if slots.size == 0:
            return
        order = np.argsort(slots, kind="stable")
        slots, keys = slots[order], keys[order]
        vectors = {name: v[order] for name, v in vectors.items()}
        bounds = np.flatnonzero(np.diff(slots)) + 1
        starts = np.concatenate([[0], bounds])
        ends = np.concatenate([bounds, [slots.size]])
        for start, end in zip(starts, ends, strict=True):
            slot = int(slots[start])
            merged_keys = np.concatenate([self.keys[slot], keys[start:end]])
            best = np.argsort(merged_keys, kind="stable")[: self.size]
            self.keys[slot] = merged_keys[best]
            for name, values in self.values.items():
                merged = np.concatenate([values[slot], vectors[name][start:end].astype(np.float16)])
                values[slot] = merged[best]

    def merge(self, other: BottomKSketch) -> None:
        """Fold another sketch in; words it tracks that this one does not are dropped."""
        for other_slot, word in enumerate(other.word_ids):
            slot = self._slot.get(int(word))
            if slot is None:
                continue
            keep = np.isfinite(other.keys[other_slot])
            self.offer(np.full(int(keep.sum()), slot), other.keys[other_slot][keep],
                       {name: other.values[name][other_slot][keep] for name in self.values})

    def sample_count(self, slot: int) -> int:
        return int(np.isfinite(self.keys[slot]).sum())

    def percentiles(self, name: str, slot: int, units: np.ndarray | None = None) -> np.ndarray | None:
        """(5, units) percentiles 9/25/50/75/91 of the sampled responses, None without samples."""
        filled = np.isfinite(self.keys[slot])
        if not filled.any():
            return None
        values = self.values[name][slot][filled].astype(np.float32)
        if units is not None:
            values = values[:, units]
        return np.percentile(values, PERCENTILES, axis=0)

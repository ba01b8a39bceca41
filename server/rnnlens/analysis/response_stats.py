"""Expected-response statistics per word and unit, for every layer and state kind (docs/method.md, step 2).

Per word w and unit i of each state (`layer1.h`, `layer1.c`, ...): the count of w, the mean
R[w, i] of its responses r_t = s_t - s_{t-1} and their spread (M2, the sum of squared
deviations), plus bounded-memory percentiles for the most frequent words (quantile_sketch).
Statistics of corpus shards merge exactly with Chan et al.'s parallel update. Nothing per
token is kept: memory is words x units. (response_accumulator.py builds these from a stream.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rnnlens.analysis.quantile_sketch import BottomKSketch


def chan_merge(count_a: np.ndarray, mean_a: np.ndarray, m2_a: np.ndarray, count_b: np.ndarray,
               mean_b: np.ndarray, m2_b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Combine (count, mean, M2) of two disjoint samples; counts (n,), means and M2 (n, H)."""
    total = count_a + count_b
    safe = np.maximum(total, 1).astype(np.float64)[:, None]
    delta = mean_b.astype(np.float64) - mean_a
    mean = mean_a + delta * (count_b[:, None] / safe)
    m2 = m2_a + m2_b + delta * delta * (count_a[:, None] * count_b[:, None] / safe)
    return total, mean, m2


@dataclass
class ResponseStats:
    """Mergeable statistics of one model over one corpus.

    Rows are the words that occur (`row_ids`, vocabulary ids); `mean[name]` and `m2[name]`
    are (rows, H) per state name; `sketch` samples responses of the most frequent words.
    """

    words: list[str]  # the model's vocabulary (row_ids index into it)
    row_ids: np.ndarray  # (R,)
    count: np.ndarray  # (R,) int64
    mean: dict[str, np.ndarray]
    m2: dict[str, np.ndarray]
    sketch: BottomKSketch
    tokens: int = 0
    _row_of: dict[int, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._row_of = {int(w): i for i, w in enumerate(self.row_ids)}

    @classmethod
    def empty(cls, words: list[str], row_ids: np.ndarray, state_sizes: dict[str, int],
              sketch_ids: np.ndarray, sketch_size: int = 48) -> ResponseStats:
        rows = len(row_ids)
        return cls(words=words, row_ids=np.asarray(row_ids, dtype=np.int64),
                   count=np.zeros(rows, dtype=np.int64),
                   mean={n: np.zeros((rows, h), dtype=np.float32) for n, h in state_sizes.items()},
                   m2={n: np.zeros((rows, h), dtype=np.float32) for n, h in state_sizes.items()},
                   sketch=BottomKSketch(sketch_ids, state_sizes, sketch_size))

    # ----- reading
    @property
    def state_names(self) -> list[str]:
        return list(self.mean)

    def row_of(self, word_id: int) -> int | None:
        return self._row_of.get(int(word_id))

    def variance(self, name: str) -> np.ndarray:
        return self.m2[name] / np.maximum(self.count - 1, 1)[:, None]

    # ----- combining
    def merge(self, other: ResponseStats) -> ResponseStats:
        """A new ResponseStats holding both samples (same model vocabulary and states)."""
        if other.words != self.words or other.state_names != self.state_names:
            raise ValueError("only statistics of the same model (vocabulary and states) can merge")
        row_ids = np.union1d(self.row_ids, other.row_ids)
        sizes = {n: self.mean[n].shape[1] for n in self.state_names}
        merged = ResponseStats.empty(self.words, row_ids, sizes, self.sketch.word_ids, self.sketch.size)
        for part in (self, other):
            rows = np.searchsorted(row_ids, part.row_ids)
            for name in self.state_names:
                _, mean, m2 = chan_merge(merged.count[rows], merged.mean[name][rows].astype(np.float64),
                                         merged.m2[name][rows].astype(np.float64), part.count,
                                         part.mean[name], part.m2[name])
                merged.mean[name][rows] = mean
                merged.m2[name][rows] = m2
            merged.count[rows] += part.count
            merged.tokens += part.tokens
            merged.sketch.merge(part.sketch)
        return merged

    # ----- selections used by co-clustering and explanations
    def frequent_rows(self, n: int, min_count: int = 1, exclude: frozenset[str] = frozenset()) -> np.ndarray:
        """Rows of the n most frequent words (ties by vocabulary order) with count >= min_count."""
        eligible = np.flatnonzero(self.count >= min_count)
        eligible = np.array([r for r in eligible if self.words[self.row_ids[r]] not in exclude], dtype=np.int64)
        if eligible.size == 0:
            return eligible
        order = np.lexsort((self.row_ids[eligible], -self.count[eligible]))
        return eligible[order[:n]]

    def word(self, row: int) -> str:
        return self.words[int(self.row_ids[row])]

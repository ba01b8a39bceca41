"""Pattern search on a PatternIndex: LSTMVis' select (a hypothesis) and match (corpus spans).

A hypothesis is the set of units whose state stays above a threshold over every token of a
selected span. A match is a corpus span, inside one document, where the hypothesis' units are on:
candidates are the maximal runs where all of them are on and the maximal runs where at least
`min_overlap` of them are on (the second finds partial matches; the first keeps an exact match
from being diluted by a longer partial run around it). A candidate's on-set is the set of units
on over its whole run; its score is the Jaccard index of on-set and hypothesis times a length
factor min(n, L) / max(n, L) against the selection's length L. Overlapping candidates keep the best.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rnnlens.analysis.pattern_index import PatternIndex, pack_on


@dataclass(frozen=True)
class PatternMatch:
    doc: int
    start: int  # first token of the span in its document
    stop: int  # one past the last token
    score: float  # jaccard x length factor
    jaccard: float
    shared: int  # hypothesis units on over the whole span

    @property
    def length(self) -> int:
        return self.stop - self.start


def hypothesis_units(states: np.ndarray, threshold: float) -> np.ndarray:
    """Units whose state is above `threshold` at every step of `states` (steps, units)."""
    if states.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero((states > threshold).all(axis=0))


def units_mask(units: np.ndarray, n_units: int) -> np.ndarray:
    """The unit set as one packed row of uint64 words (the index's layout)."""
    on = np.zeros((1, n_units), dtype=np.float32)
    on[0, units] = 1.0
    return pack_on(on, 0.5).view(np.uint64)[0]


def _runs(condition: np.ndarray, doc_first: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """[start, stop) of the maximal runs of True that do not cross a document boundary."""
    begins = condition.copy()
    begins[1:] &= ~condition[:-1] | doc_first[1:]
    starts = np.flatnonzero(begins)
    ends = condition.copy()
    ends[:-1] &= ~condition[1:] | doc_first[1:]
    stops = np.flatnonzero(ends) + 1
    return starts, stops


def _popcount(words: np.ndarray) -> np.ndarray:
    return np.bitwise_count(words).sum(axis=-1, dtype=np.int64)


def match_units(index: PatternIndex, name: str, threshold: float, units: np.ndarray, length: int,
                top: int = 20, min_overlap: float = 0.5) -> list[PatternMatch]:
    """The `top` corpus spans that best match `units` over about `length` tokens, best first."""
    if units.size == 0 or index.tokens == 0:
        return []
    words = index.words64(name, threshold)
    query = units_mask(units, index.units[name])
    size = int(units.size)
    hits = _popcount(words & query)
    doc_first = np.zeros(index.tokens, dtype=bool)
    doc_first[index.doc_starts[:-1][index.doc_starts[:-1] < index.tokens]] = True
    starts, stops = [], []
    for need in sorted({size, max(1, int(np.ceil(min_overlap * size)))}, reverse=True):
        s, e = _runs(hits >= need, doc_first)
        starts.append(s)
        stops.append(e)
    start, stop = np.concatenate(starts), np.concatenate(stops)
    if start.size == 0:
        return []
    # The on-set of each run: AND of its tokens' bitsets (reduceat over the runs laid end to end).
    lengths = stop - start
    rows = np.repeat(start - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths) + np.arange(lengths.sum())
    on_sets = np.bitwise_and.reduceat(words[rows], np.concatenate([[0], np.cumsum(lengths)[:-1]]), axis=0)
    shared = _popcount(on_sets & query)
    union = _popcount(on_sets | query)
    jaccard = shared / np.maximum(union, 1)
    factor = np.minimum(lengths, length) / np.maximum(lengths, length)
    score = jaccard * factor
    order = np.lexsort((start, -score))
    covered = np.zeros(index.tokens, dtype=bool)
    found: list[PatternMatch] = []
    for i in order:
        if len(found) >= top or score[i] <= 0:
            break
        a, b = int(start[i]), int(stop[i])
        if covered[a:b].any():
            continue
        covered[a:b] = True
        doc, position = index.locate(a)
        found.append(PatternMatch(doc, position, position + b - a, float(score[i]), float(jaccard[i]), int(shared[i])))
    return found

"""Matching word clusters of two models (docs/method.md, step 7): Hungarian matching on overlap.

The clusterings are compared on the words both models clustered. The overlap matrix counts
shared words per (cluster of A, cluster of B); `linear_sum_assignment` picks the one-to-one
pairing with the largest total overlap. The similarity score is the share of shared words
that fall in matched clusters (1 = the same partition up to renaming), reported with the
adjusted Rand index, which corrects for chance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class ClusterAlignment:
    pairs: list[tuple[int, int]]  # (cluster of A, cluster of B)
    overlap: np.ndarray  # (k_a, k_b) shared-word counts
    shared_words: int
    similarity: float  # share of shared words in matched clusters
    adjusted_rand: float

    def to_json(self) -> dict[str, Any]:
        return {"pairs": [list(p) for p in self.pairs], "overlap": self.overlap.tolist(),
                "shared_words": self.shared_words, "similarity": round(self.similarity, 6),
                "adjusted_rand": round(self.adjusted_rand, 6)}


def align_clusters(words_a: list[str], labels_a: np.ndarray, words_b: list[str], labels_b: np.ndarray,
                   k_a: int, k_b: int) -> ClusterAlignment:
    # here, not at the top: scikit-learn (with scipy.stats) takes 1-1.5 s to import, and the service
    # that imports this module is what the language server loads before its first glyphs
    from scipy.optimize import linear_sum_assignment
    from sklearn.metrics import adjusted_rand_score

    index_b = {w: i for i, w in enumerate(words_b)}
    shared = [(i, index_b[w]) for i, w in enumerate(words_a) if w in index_b]
    overlap = np.zeros((k_a, k_b), dtype=np.int64)
    if not shared:
        return ClusterAlignment([], overlap, 0, 0.0, 0.0)
    rows_a = np.array([labels_a[i] for i, _ in shared])
    rows_b = np.array([labels_b[j] for _, j in shared])
    np.add.at(overlap, (rows_a, rows_b), 1)
    match_a, match_b = linear_sum_assignment(-overlap)
    matched = int(overlap[match_a, match_b].sum())
    pairs = [(int(a), int(b)) for a, b in zip(match_a, match_b, strict=True)]
    return ClusterAlignment(pairs=pairs, overlap=overlap, shared_words=len(shared),
                            similarity=matched / len(shared),
                            adjusted_rand=float(adjusted_rand_score(rows_a, rows_b)))

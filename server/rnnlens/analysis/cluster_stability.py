"""How stable a co-clustering is: agreement between runs on bootstrap samples of the words.

Each run draws a bootstrap sample of the word rows (with replacement; a word drawn twice counts
once, so about 63 % of the words take part), fits the co-clustering with its own seed, and
labels words and units for every k asked for (the decomposition is shared across k: only
k-means reruns). For each k the score is the mean adjusted Rand index over all pairs of runs,
averaged over word labels (on the words both runs drew) and unit labels (all units).

ARI is 0 for agreement at chance level and 1 for identical partitions, whatever k: a k the data
really has is found again by every run; a k that cuts a true cluster in two, or merges two, is
cut differently from run to run. A high score says the partition is reproducible, not that it
is meaningful (a model can store something stable that is not interesting).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import scipy.linalg

from rnnlens.analysis.cocluster import SignedSpectralCocluster, SpectralDecomposition

DEFAULT_RUNS = 10
NEIGHBOURS = 2  # k - 2 .. k + 2 around the chosen k


def _pairs(counts: np.ndarray) -> float:
    return float((counts * (counts - 1) / 2.0).sum())


def adjusted_rand_index(a: np.ndarray, b: np.ndarray) -> float:
    """Hubert and Arabie's adjusted Rand index of two labelings of the same items (1 when both
    put every item in one cluster, or every item alone: they agree, and there is nothing to adjust)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        raise ValueError("both labelings must cover the same items")
    n = a.size
    _, a_index = np.unique(a, return_inverse=True)
    _, b_index = np.unique(b, return_inverse=True)
    width = int(b_index.max()) + 1 if n else 1
    table = np.bincount(a_index * width + b_index, minlength=(int(a_index.max()) + 1 if n else 1) * width)
    both = _pairs(table)
    rows, columns = _pairs(np.bincount(a_index)), _pairs(np.bincount(b_index))
    total = n * (n - 1) / 2.0
    expected = rows * columns / total if total > 0 else 0.0
    best = (rows + columns) / 2.0
    if best == expected:
        return 1.0
    return (both - expected) / (best - expected)


def neighbouring_ks(k: int, largest: int, spread: int = NEIGHBOURS) -> list[int]:
    """k and its neighbours, within 2..largest (one cluster is trivially stable, so never 1)."""
    return [c for c in range(max(2, k - spread), min(largest, k + spread) + 1)]


@dataclass
class StabilityReport:
    scores: dict[int, float]  # k -> mean of word and unit ARI
    word_scores: dict[int, float]
    unit_scores: dict[int, float]
    runs: int
    suggested_k: int

    def to_json(self) -> dict[str, object]:
        return {"stability": {str(k): round(v, 4) for k, v in self.scores.items()},
                "stability_words": {str(k): round(v, 4) for k, v in self.word_scores.items()},
                "stability_units": {str(k): round(v, 4) for k, v in self.unit_scores.items()},
                "stability_runs": self.runs, "suggested_k": self.suggested_k}


def gram_decomposition(matrix: np.ndarray, n_components: int) -> SpectralDecomposition:
    """The co-clustering's decomposition (cocluster.decompose: degrees from |X|, leading singular
    triplets of D1^-1/2 X D2^-1/2), its SVD taken from the eigenvectors of the small side's Gram
    matrix. For the few hundred units of a layer that is one small symmetric eigenproblem, several
    times cheaper than the exact SVD a matrix of this size otherwise gets, and as accurate for the
    leading components, the only ones the clustering reads: stability fits many bootstrap samples."""
    rows, columns = np.abs(matrix).sum(axis=1), np.abs(matrix).sum(axis=0)
    row_scale = np.divide(1.0, np.sqrt(rows), out=np.zeros_like(rows), where=rows > 0)
    column_scale = np.divide(1.0, np.sqrt(columns), out=np.zeros_like(columns), where=columns > 0)
    scaled = matrix * row_scale[:, None] * column_scale[None, :]
    transpose = scaled.shape[0] < scaled.shape[1]
    side = scaled.T if transpose else scaled  # the Gram matrix of the shorter side
    gram = side.T @ side
    count = min(n_components, gram.shape[0])
    # only the leading eigenpairs (LAPACK's MRRR driver with an index range)
    values, vectors = scipy.linalg.eigh(gram, subset_by_index=[gram.shape[0] - count, gram.shape[0] - 1],
                                        driver="evr")
    order = np.argsort(values)[::-1]
    singular = np.sqrt(np.clip(values[order], 0.0, None))
    right = vectors[:, order]
    left = np.divide(side @ right, singular[None, :], out=np.zeros((side.shape[0], order.size)),
                     where=singular[None, :] > 1e-12)
    u, vt = (right, left.T) if transpose else (left, right.T)
    return SpectralDecomposition(row_scale, column_scale, u, singular, vt)


def _run_labels(matrix: np.ndarray, ks: Sequence[int], rng: np.random.Generator,
                seed: int) -> tuple[np.ndarray, dict[int, tuple[np.ndarray, np.ndarray]]]:
    """One bootstrap run: the distinct rows drawn, and (word labels, unit labels) per k."""
    rows = np.unique(rng.integers(0, matrix.shape[0], matrix.shape[0]))
    usable = [k for k in ks if k <= min(rows.size, matrix.shape[1])]
    if not usable:
        return rows, {}
    sample = matrix[rows]
    # The estimator as `fit` would leave it, with the decomposition made here (see above).
    estimator = SignedSpectralCocluster(n_clusters=usable[0], random_state=seed)
    estimator.matrix_ = sample
    estimator.decomposition_ = gram_decomposition(sample, max(max(usable), 2))
    labels = {}
    for k in usable:
        estimator.recluster(k)
        labels[k] = (estimator.row_labels_.copy(), estimator.column_labels_.copy())
    return rows, labels


def _word_agreement(rows_a: np.ndarray, labels_a: np.ndarray, rows_b: np.ndarray, labels_b: np.ndarray) -> float:
    shared, in_a, in_b = np.intersect1d(rows_a, rows_b, assume_unique=True, return_indices=True)
    if shared.size < 2:
        return 0.0
    return adjusted_rand_index(labels_a[in_a], labels_b[in_b])


def cluster_stability(matrix: np.ndarray, ks: Sequence[int], runs: int = DEFAULT_RUNS,
                      random_state: int = 0) -> StabilityReport:
    """Stability of co-clustering the (words x units) `matrix` for each k in `ks` (see module doc)."""
    data = np.asarray(matrix, dtype=np.float64)
    ks = sorted(set(int(k) for k in ks if k >= 2))
    if not ks:
        raise ValueError("stability needs at least one k of 2 or more")
    if runs < 2:
        raise ValueError("stability needs at least 2 runs to compare")
    rng = np.random.default_rng(random_state)
    results = [_run_labels(data, ks, rng, seed=random_state + 1 + r) for r in range(runs)]
    word_scores: dict[int, float] = {}
    unit_scores: dict[int, float] = {}
    for k in ks:
        words, units = [], []
        for (rows_a, a), (rows_b, b) in combinations(results, 2):
            if k in a and k in b:
                words.append(_word_agreement(rows_a, a[k][0], rows_b, b[k][0]))
                units.append(adjusted_rand_index(a[k][1], b[k][1]))
        if words:
            word_scores[k], unit_scores[k] = float(np.mean(words)), float(np.mean(units))
    scores = {k: (word_scores[k] + unit_scores[k]) / 2.0 for k in word_scores}
    if not scores:
        raise ValueError(f"too few words ({data.shape[0]}) to co-cluster bootstrap samples into {ks[0]} or more clusters")
    best = max(scores.values())
    suggested = min(k for k, v in scores.items() if v >= best - 1e-9)  # ties: the simpler clustering
    return StabilityReport(scores=scores, word_scores=word_scores, unit_scores=unit_scores, runs=runs,
                           suggested_k=suggested)

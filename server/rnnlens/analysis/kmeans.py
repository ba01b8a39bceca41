"""A small, fast k-means (k-means++ seeding, Lloyd iterations, best of a few restarts).

Co-clustering re-runs k-means every time the user changes k, on a few thousand points in a
few dozen dimensions; at that size the per-call overhead of a general library dominates, so
this plain numpy version is both simpler and faster. Pure: arrays in, labels out.
"""

from __future__ import annotations

import numpy as np


def _squared_distances(points: np.ndarray, centers: np.ndarray, point_norms: np.ndarray) -> np.ndarray:
    d = point_norms[:, None] - 2.0 * (points @ centers.T) + (centers * centers).sum(axis=1)[None, :]
    return np.maximum(d, 0.0)


def _seed_plus_plus(points: np.ndarray, k: int, rng: np.random.Generator, point_norms: np.ndarray) -> np.ndarray:
    """Greedy k-means++ (as scikit-learn): each next centre is the best, by the resulting total
    D^2, of a few candidates drawn with probability proportional to D^2. The greedy choice
    avoids two seeds in one true cluster far more often than plain k-means++."""
    n = points.shape[0]
    trials = 2 + int(np.log(k))
    chosen = np.empty(k, dtype=np.int64)
    chosen[0] = rng.integers(n)
    closest = np.maximum(point_norms - 2.0 * (points @ points[chosen[0]]) + point_norms[chosen[0]], 0.0)
    for i in range(1, k):
        cumulative = np.cumsum(closest)
        if cumulative[-1] <= 0:
            chosen[i] = rng.integers(n)
            continue
        candidates = np.minimum(np.searchsorted(cumulative, rng.random(trials) * cumulative[-1]), n - 1)
        distances = np.maximum(point_norms[:, None] - 2.0 * (points @ points[candidates].T)
                               + point_norms[candidates][None, :], 0.0)
        np.minimum(distances, closest[:, None], out=distances)
        best = int(np.argmin(distances.sum(axis=0)))
        chosen[i] = candidates[best]
        closest = distances[:, best]
    return points[chosen].copy()


def _lloyd(points: np.ndarray, centers: np.ndarray, point_norms: np.ndarray,
           max_iter: int) -> tuple[np.ndarray, float]:
    k = centers.shape[0]
    labels = np.zeros(points.shape[0], dtype=np.int64)
    for iteration in range(max_iter):
        dist = _squared_distances(points, centers, point_norms)
        new_labels = dist.argmin(axis=1)
        if iteration > 0 and np.array_equal(new_labels, labels):
            break  # converged: `dist` already belongs to the final centres
        labels = new_labels
        counts = np.bincount(labels, minlength=k)
        sums = np.zeros_like(centers)
        np.add.at(sums, labels, points) if points.shape[0] < 64 else _grouped_sum(sums, labels, points)
        empty = counts == 0
        centers = np.where(empty[:, None], centers, sums / np.maximum(counts, 1)[:, None])
        if empty.any():
            # Re-seed an empty cluster at the point farthest from its center.
            far = np.argsort(-dist[np.arange(points.shape[0]), labels])[: int(empty.sum())]
            centers[empty] = points[far]
    else:
        dist = _squared_distances(points, centers, point_norms)
        labels = dist.argmin(axis=1)
    inertia = float(dist[np.arange(points.shape[0]), labels].sum())
    return labels, inertia


def _grouped_sum(out: np.ndarray, labels: np.ndarray, points: np.ndarray) -> None:
    onehot = np.zeros((out.shape[0], points.shape[0]), dtype=points.dtype)
    onehot[labels, np.arange(points.shape[0])] = 1.0
    out += onehot @ points


WELL_SEPARATED = 0.05  # within-cluster share of the total scatter (95 % explained) below which one restart suffices


def _centers_of(points: np.ndarray, labels: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    counts = np.bincount(labels, minlength=fallback.shape[0])
    sums = np.zeros_like(fallback)
    _grouped_sum(sums, labels, points)
    return np.where(counts[:, None] > 0, sums / np.maximum(counts, 1)[:, None], fallback)


def _best_centers(points: np.ndarray, k: int, rng: np.random.Generator, n_init: int,
                  max_iter: int) -> tuple[np.ndarray, np.ndarray]:
    norms = (points * points).sum(axis=1)
    scatter = float(((points - points.mean(axis=0)) ** 2).sum())
    best_centers: np.ndarray | None = None
    best_labels: np.ndarray | None = None
    best_inertia = np.inf
    for attempt in range(n_init):
        centers = _seed_plus_plus(points, k, rng, norms)
        labels, inertia = _lloyd(points, centers, norms, max_iter)
        if attempt > 0 and abs(inertia - best_inertia) <= 1e-9 * max(best_inertia, 1e-12):
            break  # a second restart reached the same optimum: more restarts would too
        if attempt == 0 and inertia <= WELL_SEPARATED * scatter:
            # Tight, well-separated clusters: k-means++ seeding finds the optimum of such data
            # with high probability (Ostrovsky et al. 2006), so restarts would only repeat it.
            best_inertia, best_labels = inertia, labels
            best_centers = _centers_of(points, labels, centers)
            break
        if inertia < best_inertia:
            best_inertia, best_labels = inertia, labels
            best_centers = _centers_of(points, labels, centers)
    assert best_centers is not None and best_labels is not None
    return best_centers, best_labels


def kmeans(points: np.ndarray, k: int, rng: np.random.Generator, n_init: int = 3,
           max_iter: int = 60, sample: int = 2500) -> np.ndarray:
    """Labels (n,) in 0..k-1 of the restart with the lowest inertia.

    Above `sample` points the restarts run on a uniform subsample (cluster centres of a few
    thousand points are as good as of all of them when clusters have more than a handful of
    members) and a few Lloyd steps on all points polish the winner.
    """
    points = np.ascontiguousarray(points, dtype=np.float64)
    n = points.shape[0]
    if k < 1 or k > n:
        raise ValueError(f"k={k} must lie in 1..{n}")
    if n <= sample:
        return _best_centers(points, k, rng, n_init, max_iter)[1]
    centers, _ = _best_centers(points[rng.choice(n, size=sample, replace=False)], k, rng, n_init, max_iter)
    labels, _ = _lloyd(points, centers, (points * points).sum(axis=1), 5)
    return labels

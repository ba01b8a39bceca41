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
    n = points.shape[0]
    centers = np.empty((k, points.shape[1]), dtype=points.dtype)
    centers[0] = points[rng.integers(n)]
    closest = _squared_distances(points, centers[:1], point_norms)[:, 0]
    for i in range(1, k):
        total = closest.sum()
        if total <= 0:
            centers[i] = points[rng.integers(n)]
            continue
        # Greedy k-means++ (as scikit-learn): the best of a few candidates drawn by D^2.
        candidates = rng.choice(n, size=min(n, 2 + int(np.log(k))), p=closest / total)
        cand_d = _squared_distances(points, points[candidates], point_norms)
        candidate_closest = np.minimum(closest[:, None], cand_d)
        best = int(np.argmin(candidate_closest.sum(axis=0)))
        centers[i] = points[candidates[best]]
        closest = candidate_closest[:, best]
    return centers


def _lloyd(points: np.ndarray, centers: np.ndarray, point_norms: np.ndarray,
           max_iter: int) -> tuple[np.ndarray, float]:
    k = centers.shape[0]
    labels = np.zeros(points.shape[0], dtype=np.int64)
    for _ in range(max_iter):
        dist = _squared_distances(points, centers, point_norms)
        new_labels = dist.argmin(axis=1)
        if np.array_equal(new_labels, labels) and _ > 0:
            break
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
    dist = _squared_distances(points, centers, point_norms)
    labels = dist.argmin(axis=1)
    inertia = float(dist[np.arange(points.shape[0]), labels].sum())
    return labels, inertia


def _grouped_sum(out: np.ndarray, labels: np.ndarray, points: np.ndarray) -> None:
    onehot = np.zeros((out.shape[0], points.shape[0]), dtype=points.dtype)
    onehot[labels, np.arange(points.shape[0])] = 1.0
    out += onehot @ points


def kmeans(points: np.ndarray, k: int, rng: np.random.Generator, n_init: int = 4,
           max_iter: int = 60) -> np.ndarray:
    """Labels (n,) in 0..k-1 of the restart with the lowest inertia."""
    points = np.ascontiguousarray(points, dtype=np.float64)
    if k < 1 or k > points.shape[0]:
        raise ValueError(f"k={k} must lie in 1..{points.shape[0]}")
    norms = (points * points).sum(axis=1)
    best_labels: np.ndarray | None = None
    best_inertia = np.inf
    for _ in range(n_init):
        centers = _seed_plus_plus(points, k, rng, norms)
        labels, inertia = _lloyd(points, centers, norms, max_iter)
        if inertia < best_inertia:
            best_labels, best_inertia = labels, inertia
    assert best_labels is not None
    return best_labels

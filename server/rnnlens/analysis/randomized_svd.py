"""Truncated SVD by a randomized range finder (Halko, Martinsson & Tropp 2011).

Only the leading few dozen singular vectors of a words x units matrix are needed; a full
SVD or ARPACK costs far more. Power iterations with QR re-orthonormalisation keep the
leading subspace accurate when the spectrum decays slowly (noisy planted blocks, real
responses). Pure numpy.
"""

from __future__ import annotations

import numpy as np


def randomized_svd(matrix: np.ndarray, n_components: int, rng: np.random.Generator, n_oversamples: int = 10,
                   n_power_iter: int = 2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """U (n, c), S (c,), Vt (c, m) of the c = n_components leading singular triplets."""
    n, m = matrix.shape
    limit = min(n, m)
    n_components = min(n_components, limit)
    width = min(limit, n_components + n_oversamples)
    if width >= limit or limit <= 64:
        # Small matrices: the exact SVD is cheaper than the sketching overhead.
        u, s, vt = np.linalg.svd(matrix, full_matrices=False)
        return u[:, :n_components], s[:n_components], vt[:n_components]
    # Work on the short side so each product touches the smaller dimension last.
    transposed = n < m
    a = matrix.T if transposed else matrix
    omega = rng.standard_normal((a.shape[1], width)).astype(a.dtype, copy=False)
    q, _ = np.linalg.qr(a @ omega)
    for _ in range(n_power_iter):
        z, _ = np.linalg.qr(a.T @ q)
        q, _ = np.linalg.qr(a @ z)
    small = q.T @ a
    u_small, s, vt = np.linalg.svd(small, full_matrices=False)
    u = q @ u_small
    u, s, vt = u[:, :n_components], s[:n_components], vt[:n_components]
    if transposed:
        return vt.T, s, u.T
    return u, s, vt

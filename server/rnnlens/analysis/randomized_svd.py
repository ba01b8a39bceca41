"""Truncated SVD by a randomized range finder (Halko, Martinsson & Tropp 2011).

Only the leading few dozen singular vectors of a words x units matrix are needed; a full
SVD or ARPACK costs far more. The matrix may carry diagonal scalings on both sides
(diag(r) X diag(c), the degree normalisation of co-clustering); they are applied to the thin
sketch matrices instead of to X, so the large matrix is never copied. Pure numpy.
"""

from __future__ import annotations

import numpy as np

EXACT_BELOW = 160  # a side this short: the exact SVD is cheap and exact
TALL_RATIO = 3  # a matrix this much taller than wide finds its column space from a row sample
TALL_MIN_ROWS = 3000


def orthonormal_columns(block: np.ndarray, passes: int = 2) -> np.ndarray:
    """An orthonormal basis of a tall thin block's columns.

    Cholesky-QR (R from the small Gram matrix, Q = Y R^-1) in float64 costs one thin product
    instead of a Householder QR; a second pass restores orthogonality lost to rounding, and a
    rank-deficient block falls back to Householder. Intermediate power-iteration steps only
    need a well-conditioned basis, so they take one pass.
    """
    q = block
    for _ in range(passes):
        gram = q.T.astype(np.float64) @ q.astype(np.float64)
        try:
            upper = np.linalg.cholesky(gram + 1e-12 * np.trace(gram) * np.eye(gram.shape[0])).T
        except np.linalg.LinAlgError:
            return np.linalg.qr(block)[0]
        # Q = Y R^-1: R is tiny (width x width), so invert it and multiply.
        q = (q.astype(np.float64) @ np.linalg.inv(upper)).astype(block.dtype)
    return q


def randomized_svd(matrix: np.ndarray, n_components: int, rng: np.random.Generator, n_oversamples: int = 10,
                   n_power_iter: int = 1, row_scale: np.ndarray | None = None,
                   column_scale: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """U (n, c), S (c,), Vt (c, m) of the c = n_components leading singular triplets of
    diag(row_scale) @ matrix @ diag(column_scale).

    One power iteration with generous oversampling: the clustering needs the leading subspace,
    not singular values to many digits, and each extra iteration costs two passes over the matrix.
    """
    n, m = matrix.shape
    dtype = matrix.dtype if matrix.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    r = np.ones(n, dtype=dtype) if row_scale is None else row_scale.astype(dtype)
    c = np.ones(m, dtype=dtype) if column_scale is None else column_scale.astype(dtype)
    limit = min(n, m)
    n_components = min(n_components, limit)
    width = min(limit, n_components + n_oversamples)
    if width >= limit or limit <= EXACT_BELOW:
        scaled = matrix * r[:, None] * c[None, :]
        u, s, vt = np.linalg.svd(scaled, full_matrices=False)
        return u[:, :n_components], s[:n_components], vt[:n_components]

    if n >= TALL_RATIO * m and n > TALL_MIN_ROWS:
        return _row_sketched(matrix, r, c, width, n_components, n_power_iter, rng)
    if m >= TALL_RATIO * n and m > TALL_MIN_ROWS:
        u, s, vt = _row_sketched(matrix.T, c, r, width, n_components, n_power_iter, rng)
        return vt.T, s, u.T

    def times(block: np.ndarray) -> np.ndarray:  # A @ block
        return r[:, None] * (matrix @ (c[:, None] * block))

    def transposed_times(block: np.ndarray) -> np.ndarray:  # A.T @ block
        return c[:, None] * (matrix.T @ (r[:, None] * block))

    # Any sub-gaussian test matrix works for the range finder; uniform draws cost a quarter of normal ones.
    omega = (rng.random((m, width), dtype=np.float32) - 0.5).astype(dtype, copy=False)
    # One Cholesky-QR pass per step: the residual non-orthogonality (~eps * cond^2, about 1e-3
    # here) is far below what moves a k-means assignment.
    q = orthonormal_columns(times(omega), passes=1)
    for _ in range(n_power_iter):
        q = orthonormal_columns(times(orthonormal_columns(transposed_times(q), passes=1)), passes=1)
    small = transposed_times(q).T  # Q.T @ A, (width, m)
    u_small, s, vt = _thin_svd(small)
    u = q @ u_small
    return u[:, :n_components], s[:n_components], vt[:n_components]


def _thin_svd(small: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SVD of a short wide (w, m) matrix through the eigenvectors of its w x w Gram matrix
    (float64): far cheaper than a full SVD, and only the leading triplets are used."""
    wide = small.astype(np.float64)
    values, vectors = np.linalg.eigh(wide @ wide.T)
    order = np.argsort(values)[::-1]
    values, vectors = np.maximum(values[order], 0.0), vectors[:, order]
    singular = np.sqrt(values)
    safe = np.where(singular > singular[0] * 1e-7, singular, np.inf) if singular.size else singular
    vt = (vectors.T @ wide) / safe[:, None]
    return vectors, singular, vt


def _row_sketched(matrix: np.ndarray, r: np.ndarray, c: np.ndarray, width: int, n_components: int,
                  n_power_iter: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tall matrices: the column space (m-dimensional) is found from a uniform sample of rows,
    then one pass over all rows gives the row factors. Each row cluster keeps hundreds of rows
    in the sample, so the leading column space is unchanged while most passes touch a third
    of the matrix."""
    n, m = matrix.shape
    sample = np.sort(rng.choice(n, size=max(TALL_RATIO * m // 2, n // 3), replace=False))
    rows = matrix[sample] * r[sample, None] * c[None, :]
    omega = (rng.random((m, width), dtype=np.float32) - 0.5).astype(rows.dtype, copy=False)
    q = orthonormal_columns(rows.T @ orthonormal_columns(rows @ omega, passes=1), passes=1)
    for _ in range(n_power_iter):
        q = orthonormal_columns(rows.T @ orthonormal_columns(rows @ q, passes=1))
    projected = r[:, None] * (matrix @ (c[:, None] * q))  # A @ Qc, (n, width)
    basis = orthonormal_columns(projected)
    u_small, s, wt = np.linalg.svd(basis.T @ projected, full_matrices=False)
    u = basis @ u_small
    vt = (q @ wt.T).T
    return u[:, :n_components], s[:n_components], vt[:n_components]

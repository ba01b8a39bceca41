"""Planted signed block matrices (the issue's recipe) shared by tests and the benchmark."""

import numpy as np


def planted_blocks(rows: int, columns: int, k: int, seed: int = 0, noise: float = 0.1, signal: float = 0.3):
    """Uniform random labels; N(0, noise^2) everywhere; +-signal on each diagonal block (sign random per block)."""
    rng = np.random.default_rng(seed)
    row_labels = rng.integers(0, k, rows)
    column_labels = rng.integers(0, k, columns)
    matrix = rng.normal(0.0, noise, (rows, columns)).astype(np.float32)
    signs = rng.choice([-signal, signal], k)
    for b in range(k):
        matrix[np.ix_(row_labels == b, column_labels == b)] += signs[b]
    return matrix, row_labels, column_labels, signs

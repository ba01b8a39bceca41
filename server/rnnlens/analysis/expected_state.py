"""The expected state of a layer over a corpus, read from its statistics (no new trace).

The statistics keep, per word, the mean state at that word's occurrences and the number of
occurrences; their count-weighted average is the mean state over every token of the corpus. Mean
ablation (docs/causal.md) replaces a cluster's units by it: the memory the model holds on average,
rather than zero, which a trained network may never see.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from rnnlens.analysis.response_stats import ResponseStats
from rnnlens.errors import RnnLensError


def layer_state_names(layer: int, kinds: Iterable[str]) -> list[str]:
    return [f"layer{layer}.{kind}" for kind in kinds]


def corpus_mean_state(stats: ResponseStats, layer: int, kinds: Iterable[str]) -> dict[str, np.ndarray]:
    """{kind: (H,) float32}: each state kind's mean over all tokens the statistics counted."""
    counts = np.asarray(stats.count, dtype=np.float64)
    total = float(counts.sum())
    if total <= 0:
        raise RnnLensError("the statistics count no tokens, so there is no expected state to ablate to")
    out = {}
    for kind, name in zip(kinds, layer_state_names(layer, kinds), strict=True):
        if name not in stats.mean:
            raise RnnLensError(f"the statistics hold no {name}; mean ablation needs every state of layer {layer}")
        out[kind] = (counts @ np.asarray(stats.mean[name], dtype=np.float64) / total).astype(np.float32)
    return out

"""Streaming accumulation of responses into ResponseStats: the hot loop of evaluation.

Per batch and state, the responses of n tokens are scatter-added (float32, over the batch's
distinct words) and the partial sums of r and r^2 added into per-word float64 totals; no
per-word Python work. `finish()` turns the sums into count / mean / M2 (Welford form), after which
statistics of separate shards merge with Chan's update (ResponseStats.merge). The sums-of-
squares form loses about n * eps relatively to the variance; in float64 that is below 1e-7 for
a billion tokens, so the cheaper form is safe here. Memory: vocabulary x units, fixed.
"""

from __future__ import annotations

import numpy as np
import torch

from rnnlens.analysis.quantile_sketch import BottomKSketch
from rnnlens.analysis.response_stats import ResponseStats


class ResponseAccumulator:
    def __init__(self, words: list[str], state_sizes: dict[str, int], sketch_ids: np.ndarray,
                 sketch_size: int = 48, seed: int = 0):
        vocab = len(words)
        self.words = words
        self.counts = torch.zeros(vocab, dtype=torch.float64)
        self.sums = {n: torch.zeros(vocab, h, dtype=torch.float64) for n, h in state_sizes.items()}
        self.squares = {n: torch.zeros(vocab, h, dtype=torch.float64) for n, h in state_sizes.items()}
        self.sketch = BottomKSketch(sketch_ids, state_sizes, sketch_size)
        self._slot_of = torch.from_numpy(self.sketch.slot_lookup(vocab))
        self._rng = np.random.default_rng(seed)
        self.tokens = 0

    def add(self, word_ids: torch.Tensor, responses: dict[str, torch.Tensor]) -> None:
        """Fold in n occurrences: `word_ids` (n,) vocabulary ids, `responses[name]` (n, H)."""
        if word_ids.numel() == 0:
            return
        # Sum within the batch in float32 over the batch's distinct words (a few hundred terms
        # per word at most), then add those partial sums into the float64 totals: the float32
        # part costs ~1e-7 relative per batch, the float64 totals keep long corpora exact.
        words, inverse = torch.unique(word_ids, return_inverse=True)
        self.counts.index_add_(0, words, torch.bincount(inverse, minlength=words.numel()).to(torch.float64))
        for name, values in responses.items():
            partial = torch.zeros(words.numel(), values.shape[1], dtype=values.dtype)
            self.sums[name].index_add_(0, words, partial.index_add_(0, inverse, values).to(torch.float64))
            partial.zero_()
            self.squares[name].index_add_(0, words, partial.index_add_(0, inverse, values * values).to(torch.float64))
        self.tokens += int(word_ids.numel())
        slots = self._slot_of[word_ids].numpy()
        positions, keys = self.sketch.candidates(slots, self._rng)
        if positions.size:
            picked = torch.from_numpy(positions)
            self.sketch.offer(slots[positions], keys, {n: r[picked].numpy() for n, r in responses.items()})

    def finish(self) -> ResponseStats:
        count = self.counts.numpy().astype(np.int64)
        n = np.maximum(count, 1).astype(np.float64)[:, None]
        mean, m2 = {}, {}
        for name in self.sums:
            s1, s2 = self.sums[name].numpy(), self.squares[name].numpy()
            mean[name] = (s1 / n).astype(np.float32)
            m2[name] = np.maximum(s2 - s1 * s1 / n, 0.0).astype(np.float32)
        self.sketch.flush()
        return ResponseStats(words=self.words, row_ids=np.arange(len(self.words)), count=count, mean=mean, m2=m2,
                             sketch=self.sketch, tokens=self.tokens)

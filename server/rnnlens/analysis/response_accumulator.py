"""Streaming accumulation of responses into ResponseStats: the hot loop of evaluation.

Per batch and state, the responses of n tokens are scatter-added (float32, over the batch's
distinct words) and the partial sums of r and r^2 added into per-word float64 totals; no
per-word Python work. `finish()` turns the sums into count / mean / M2 (Welford form), after which
statistics of separate shards merge with Chan's update (ResponseStats.merge). The sums-of-
squares form loses about n * eps relatively to the variance; in float64 that is below 1e-7 for
a billion tokens, so the cheaper form is safe here. Memory: vocabulary x units, fixed.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import torch

from rnnlens.analysis.quantile_sketch import BottomKSketch, occurrence_keys
from rnnlens.analysis.response_stats import ResponseStats


@dataclass
class AccumulatorPart:
    """What a worker sends back: the raw float64 sums of the rows it saw, its sketch and the
    batches it folded in (so the driver can prove none is counted twice). Adding these is exact
    up to float64 rounding of the order of addition: the merged result equals one process's."""

    rows: np.ndarray  # (R,) vocabulary ids with a non-zero count
    counts: np.ndarray  # (R,) float64
    sums: dict[str, np.ndarray]  # (R, H) float64
    squares: dict[str, np.ndarray]
    sketch_keys: np.ndarray
    sketch_values: dict[str, np.ndarray]
    tokens: int
    batches: list[int] = field(default_factory=list)


class ResponseAccumulator:
    def __init__(self, words: list[str], state_sizes: dict[str, int], sketch_ids: np.ndarray,
                 sketch_size: int = 48, seed: int = 0, device: torch.device | str = "cpu"):
        vocab = len(words)
        self.words = words
        # On a GPU the totals live there too: only the sketch's few candidates come back per batch.
        self.device = torch.device(device)
        self.counts = torch.zeros(vocab, dtype=torch.float64, device=self.device)
        self.sums = {n: torch.zeros(vocab, h, dtype=torch.float64, device=self.device) for n, h in state_sizes.items()}
        self.squares = {n: torch.zeros(vocab, h, dtype=torch.float64, device=self.device)
                        for n, h in state_sizes.items()}
        self.sketch = BottomKSketch(sketch_ids, state_sizes, sketch_size)
        self._slot_of = torch.from_numpy(self.sketch.slot_lookup(vocab))
        self._rng = np.random.default_rng(seed)
        self.seed = seed
        self.tokens = 0

    def add(self, word_ids: torch.Tensor, responses: dict[str, torch.Tensor],
            occurrences: np.ndarray | None = None) -> None:
        """Fold in n occurrences: `word_ids` (n,) vocabulary ids, `responses[name]` (n, H).

        `occurrences` (n,) codes of (document, position) (quantile_sketch.occurrence_codes) make
        the sketch's keys a hash of the occurrence; without them keys come from the seeded generator.
        """
        if word_ids.numel() == 0:
            return
        cpu_ids = word_ids.cpu()
        word_ids = word_ids.to(self.device)
        # Sum within the batch in float32 over the batch's distinct words (a few hundred terms
        # per word at most), then add those partial sums into the float64 totals: the float32
        # part costs ~1e-7 relative per batch, the float64 totals keep long corpora exact.
        words, inverse = torch.unique(word_ids, return_inverse=True)
        self.counts.index_add_(0, words, torch.bincount(inverse, minlength=words.numel()).to(torch.float64))
        for name, values in responses.items():
            partial = torch.zeros(words.numel(), values.shape[1], dtype=values.dtype, device=values.device)
            self.sums[name].index_add_(0, words, partial.index_add_(0, inverse, values).to(torch.float64))
            partial.zero_()
            self.squares[name].index_add_(0, words, partial.index_add_(0, inverse, values * values).to(torch.float64))
        self.tokens += int(word_ids.numel())
        slots = self._slot_of[cpu_ids].numpy()
        if occurrences is None:
            positions, keys = self.sketch.candidates(slots, self._rng)
        else:
            keyed = np.zeros(slots.size)
            tracked = slots >= 0
            keyed[tracked] = occurrence_keys(occurrences[tracked], self.seed)
            positions, keys = self.sketch.candidates(slots, keyed)
        if positions.size:
            picked = torch.from_numpy(positions).to(self.device)
            self.sketch.offer(slots[positions], keys, {n: r[picked].cpu().numpy() for n, r in responses.items()})

    def part(self, batches: list[int] | None = None) -> AccumulatorPart:
        """The rows seen so far, in a form to send to the driver and `absorb` there."""
        self.sketch.flush()
        rows = torch.nonzero(self.counts).view(-1)
        return AccumulatorPart(rows=rows.cpu().numpy().copy(), counts=self.counts[rows].cpu().numpy(),
                               sums={n: s[rows].cpu().numpy() for n, s in self.sums.items()},
                               squares={n: s[rows].cpu().numpy() for n, s in self.squares.items()},
                               sketch_keys=self.sketch.keys.copy(),
                               sketch_values={n: v.copy() for n, v in self.sketch.values.items()},
                               tokens=self.tokens, batches=list(batches or []))

    def absorb(self, part: AccumulatorPart) -> None:
        """Add another accumulator's part (same vocabulary, states and sketch words)."""
        def tensor(array: np.ndarray) -> torch.Tensor:
            # A part from Ray's object store is read-only; it is only read here, so no copy is made.
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
                return torch.from_numpy(array).to(self.device)

        rows = tensor(part.rows)
        self.counts.index_add_(0, rows, tensor(part.counts))
        for name in self.sums:
            self.sums[name].index_add_(0, rows, tensor(part.sums[name]))
            self.squares[name].index_add_(0, rows, tensor(part.squares[name]))
        self.tokens += part.tokens
        other = BottomKSketch(self.sketch.word_ids, {n: v.shape[2] for n, v in part.sketch_values.items()},
                              self.sketch.size)
        other.keys, other.values = part.sketch_keys, part.sketch_values
        self.sketch.merge(other)

    def finish(self) -> ResponseStats:
        count = self.counts.cpu().numpy().astype(np.int64)
        n = np.maximum(count, 1).astype(np.float64)[:, None]
        mean, m2 = {}, {}
        for name in self.sums:
            s1, s2 = self.sums[name].cpu().numpy(), self.squares[name].cpu().numpy()
            mean[name] = (s1 / n).astype(np.float32)
            m2[name] = np.maximum(s2 - s1 * s1 / n, 0.0).astype(np.float32)
        self.sketch.flush()
        return ResponseStats(words=self.words, row_ids=np.arange(len(self.words)), count=count, mean=mean, m2=m2,
                             sketch=self.sketch, tokens=self.tokens)

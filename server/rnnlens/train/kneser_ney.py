"""Interpolated Kneser-Ney trigram model: the count-based baseline the sample LMs must beat.

Absolute discounting at every order, lower orders on continuation counts (Chen & Goodman 1998,
interpolated KN with one discount per order), and a uniform distribution under the unigram so
that every word of the vocabulary has probability > 0.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence


class KneserNeyTrigram:
    def __init__(self, vocab_size: int, discount: float = 0.75):
        self.vocab_size = vocab_size
        self.d = discount

    def fit(self, ids: Sequence[int]) -> KneserNeyTrigram:
        tri = Counter(zip(ids, ids[1:], ids[2:], strict=False))
        self.tri = tri
        self.ctx2: Counter[tuple[int, int]] = Counter()  # c(u v .)
        self.ctx2_types: Counter[tuple[int, int]] = Counter()  # N1+(u v .)
        cont2: Counter[tuple[int, int]] = Counter()  # N1+(. v w)
        for (u, v, _w), c in tri.items():
            self.ctx2[(u, v)] += c
            self.ctx2_types[(u, v)] += 1
        for (_u, v, w) in tri:
            cont2[(v, w)] += 1
        self.cont2 = cont2
        self.cont2_ctx: Counter[int] = Counter()  # N1+(. v .)
        self.cont2_types: Counter[int] = Counter()  # N1+(v .) over continuation counts
        cont1: Counter[int] = Counter()  # N1+(. w) from bigram types
        for (v, _w), c in cont2.items():
            self.cont2_ctx[v] += c
            self.cont2_types[v] += 1
        bigram_types: defaultdict[int, set[int]] = defaultdict(set)
        for v, w in zip(ids, ids[1:], strict=False):
            bigram_types[w].add(v)
        for w, prev in bigram_types.items():
            cont1[w] = len(prev)
        self.cont1 = cont1
        self.cont1_total = sum(cont1.values())
        self.cont1_types = len(cont1)
        return self

    def p_unigram(self, w: int) -> float:
        d = self.d
        return (max(self.cont1.get(w, 0) - d, 0.0) / self.cont1_total
                + d * self.cont1_types / self.cont1_total / self.vocab_size)

    def p_bigram(self, v: int, w: int) -> float:
        total = self.cont2_ctx.get(v, 0)
        if total == 0:
            return self.p_unigram(w)
        d = self.d
        return (max(self.cont2.get((v, w), 0) - d, 0.0) / total
                + d * self.cont2_types[v] / total * self.p_unigram(w))

    def p(self, u: int, v: int, w: int) -> float:
        total = self.ctx2.get((u, v), 0)
        if total == 0:
            return self.p_bigram(v, w)
        d = self.d
        return (max(self.tri.get((u, v, w), 0) - d, 0.0) / total
                + d * self.ctx2_types[(u, v)] / total * self.p_bigram(v, w))

    def perplexity_rows(self, rows: Sequence[Sequence[int]]) -> float:
        """Perplexity over the targets a network scores in `metrics.lm_perplexity`: each row's
        tokens after its first, conditioned on what precedes them in that row only (the first
        target of a row has one word of context, as the network has)."""
        log_sum, count = 0.0, 0
        for row in rows:
            if len(row) < 2:
                continue
            log_sum -= math.log(self.p_bigram(row[0], row[1]))
            for u, v, w in zip(row, row[1:], row[2:], strict=False):
                log_sum -= math.log(self.p(u, v, w))
            count += len(row) - 1
        return math.exp(log_sum / max(1, count))

    def perplexity(self, ids: Sequence[int]) -> float:
        """Perplexity over ids[2:], each word conditioned on the two before it."""
        log_sum = 0.0
        for u, v, w in zip(ids, ids[1:], ids[2:], strict=False):
            log_sum -= math.log(self.p(u, v, w))
        return math.exp(log_sum / max(1, len(ids) - 2))

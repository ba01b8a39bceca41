"""Mergeable per-word, per-unit statistics and the bounded-memory percentile sketch."""

import numpy as np
import pytest
import torch
from rnnlens.analysis.quantile_sketch import PERCENTILES, BottomKSketch
from rnnlens.analysis.response_accumulator import ResponseAccumulator

WORDS = ["<pad>", "<unk>", "a", "b", "c", "d"]


def _random_batches(seed, batches=6, size=400, hidden=3):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(batches):
        ids = rng.choice([2, 3, 4, 5], size=size, p=[0.55, 0.3, 0.1, 0.05])
        # each word has its own mean and spread, so mixing them up would show
        values = rng.normal(loc=ids[:, None] * 0.5, scale=ids[:, None] * 0.1, size=(size, hidden))
        out.append((ids, values))
    return out


def _stats(sketch_size=64):
    return ResponseAccumulator(WORDS, {"layer1.h": 3}, np.array([2, 3]), sketch_size)


def _fold(accumulator, batches, seed=0):
    accumulator._rng = np.random.default_rng(seed)
    for ids, values in batches:
        accumulator.add(torch.from_numpy(ids), {"layer1.h": torch.from_numpy(values)})
    return accumulator.finish()


def test_mean_and_variance_match_numpy():
    batches = _random_batches(0)
    stats = _fold(_stats(), batches)
    ids = np.concatenate([b[0] for b in batches])
    values = np.concatenate([b[1] for b in batches])
    for word in [2, 3, 4, 5]:
        row = stats.row_of(word)
        chosen = values[ids == word]
        assert stats.count[row] == len(chosen)
        assert stats.mean["layer1.h"][row] == pytest.approx(chosen.mean(axis=0), rel=1e-5)
        assert stats.variance("layer1.h")[row] == pytest.approx(chosen.var(axis=0, ddof=1), rel=1e-4)
    assert stats.tokens == len(ids)


def test_merging_shards_equals_one_pass():
    batches = _random_batches(1)
    whole = _fold(_stats(), batches)
    left = _fold(_stats(), batches[:2], seed=1)
    right = _fold(_stats(), batches[2:], seed=2)
    merged = left.merge(right)
    assert np.array_equal(merged.count, whole.count)
    assert merged.mean["layer1.h"] == pytest.approx(whole.mean["layer1.h"], rel=1e-5)
    assert merged.m2["layer1.h"] == pytest.approx(whole.m2["layer1.h"], rel=1e-4)
    assert merged.sketch.sample_count(0) == 64
    assert merged.tokens == whole.tokens


def test_chan_merge_of_uneven_shards_matches_numpy():
    rng = np.random.default_rng(5)
    values = rng.normal(3.0, 0.5, size=(1000, 3))  # a large mean: the naive formula would suffer
    ids = np.full(1000, 2)
    parts = [_fold(_stats(), [(ids[a:b], values[a:b])]) for a, b in ((0, 7), (7, 400), (400, 1000))]
    merged = parts[0].merge(parts[1]).merge(parts[2])
    row = merged.row_of(2)
    assert merged.mean["layer1.h"][row] == pytest.approx(values.mean(axis=0), rel=1e-6)
    assert merged.variance("layer1.h")[row] == pytest.approx(values.var(axis=0, ddof=1), rel=1e-4)


def test_memory_does_not_grow_with_corpus_length():
    short = _fold(_stats(), _random_batches(2, batches=1))
    long = _fold(_stats(), _random_batches(2, batches=20))
    for a, b in [(short.mean["layer1.h"], long.mean["layer1.h"]), (short.sketch.keys, long.sketch.keys),
                 (short.sketch.values["layer1.h"], long.sketch.values["layer1.h"])]:
        assert a.nbytes == b.nbytes


def test_sketch_percentiles_approximate_the_true_ones():
    rng = np.random.default_rng(3)
    sketch = BottomKSketch(np.array([0]), {"s": 1}, size=400)
    values = rng.normal(size=(20000, 1))
    for chunk in np.array_split(np.arange(20000), 10):
        slots = np.zeros(len(chunk), dtype=np.int64)
        positions, keys = sketch.candidates(slots, rng)
        sketch.offer(slots[positions], keys, {"s": values[chunk][positions]})
    estimate = sketch.percentiles("s", 0)[:, 0]
    truth = np.percentile(values[:, 0], PERCENTILES)
    assert estimate == pytest.approx(truth, abs=0.15)
    assert np.all(np.diff(estimate) > 0)


def test_sketch_keeps_a_uniform_sample_not_the_first_occurrences():
    rng = np.random.default_rng(4)
    sketch = BottomKSketch(np.array([7]), {"s": 1}, size=100)
    values = np.arange(10000, dtype=np.float64)[:, None]  # occurrence index as the value
    for chunk in np.array_split(np.arange(10000), 20):
        slots = np.zeros(len(chunk), dtype=np.int64)
        positions, keys = sketch.candidates(slots, rng)
        sketch.offer(slots[positions], keys, {"s": values[chunk][positions]})
    sampled = sketch.values["s"][0, :, 0].astype(np.float64)
    assert 3500 < sampled.mean() < 6500  # the first 100 occurrences would average 50

"""The expected state mean ablation uses: the mean over every token, read from the statistics."""

import numpy as np
import pytest
import torch
from rnnlens.analysis.expected_state import corpus_mean_state
from rnnlens.analysis.response_accumulator import ResponseAccumulator
from rnnlens.errors import RnnLensError

WORDS = ["a", "b", "c", "d"]


def _statistics(ids: np.ndarray, h: np.ndarray, c: np.ndarray):
    accumulator = ResponseAccumulator(WORDS, {"layer2.h": h.shape[1], "layer2.c": c.shape[1]}, np.arange(len(WORDS)))
    accumulator.add(torch.from_numpy(ids), {"layer2.h": torch.from_numpy(h), "layer2.c": torch.from_numpy(c)})
    return accumulator.finish()


def test_equals_the_mean_over_every_token_whatever_the_words_frequencies():
    rng = np.random.default_rng(0)
    ids = rng.choice(len(WORDS), size=500, p=[0.7, 0.2, 0.09, 0.01]).astype(np.int64)  # skewed: a plain mean of rows differs
    h, c = rng.normal(size=(500, 6)).astype(np.float32), rng.normal(3.0, 2.0, size=(500, 6)).astype(np.float32)
    h += ids[:, None]  # each word shifts the state: averaging per-word means unweighted would be wrong
    stats = _statistics(ids, h, c)
    expected = corpus_mean_state(stats, 2, ("h", "c"))
    np.testing.assert_allclose(expected["h"], h.mean(axis=0), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(expected["c"], c.mean(axis=0), rtol=1e-5, atol=1e-5)
    assert expected["h"].dtype == np.float32 and expected["h"].shape == (6,)
    assert not np.allclose(expected["h"], stats.mean["layer2.h"].mean(axis=0), atol=1e-2)


def test_a_layer_the_statistics_lack_is_named():
    ids = np.array([0, 1, 2], dtype=np.int64)
    stats = _statistics(ids, np.ones((3, 2), np.float32), np.ones((3, 2), np.float32))
    with pytest.raises(RnnLensError, match="layer1.h"):
        corpus_mean_state(stats, 1, ("h",))

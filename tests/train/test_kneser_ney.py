"""The count-based baseline is a proper distribution and learns what it saw."""

import random

import pytest
from rnnlens.train.kneser_ney import KneserNeyTrigram


@pytest.fixture(scope="module")
def model():
    rng = random.Random(0)
    ids = [rng.randrange(30) for _ in range(5000)] + [1, 2, 3] * 300
    return KneserNeyTrigram(30).fit(ids)


@pytest.mark.parametrize("context", [(1, 2), (5, 9), (40, 41)])
def test_probabilities_sum_to_one_in_seen_and_unseen_contexts(model, context):
    assert sum(model.p(*context, w) for w in range(30)) == pytest.approx(1.0, abs=1e-9)


def test_a_frequent_pattern_is_predicted(model):
    assert model.p(1, 2, 3) > 0.5
    assert model.perplexity([1, 2, 3] * 20) < model.perplexity([3, 2, 1] * 20)

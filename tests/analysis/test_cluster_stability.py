"""Cluster stability: the planted k is the most stable; noise is near chance; ARI against scikit-learn."""

import numpy as np
import pytest
from analysis_planted import planted_blocks
from rnnlens.analysis.cluster_stability import adjusted_rand_index, cluster_stability, neighbouring_ks
from sklearn.metrics import adjusted_rand_score


@pytest.mark.parametrize("seed", range(4))
def test_adjusted_rand_index_matches_scikit_learn(seed):
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, 5, 200), rng.integers(0, 3 + seed, 200)
    b[:100] = a[:100]  # partly agreeing
    assert adjusted_rand_index(a, b) == pytest.approx(adjusted_rand_score(a, b), abs=1e-12)


def test_identical_partitions_score_one_whatever_the_names():
    a = np.array([0, 0, 1, 1, 2, 2])
    assert adjusted_rand_index(a, (a + 1) % 3) == pytest.approx(1.0)


@pytest.mark.parametrize("true_k", [3, 5, 8])
def test_the_planted_k_is_the_most_stable(true_k):
    matrix, _, _, _ = planted_blocks(300, 150, true_k, seed=true_k)
    report = cluster_stability(matrix, neighbouring_ks(true_k, 150, spread=2), runs=6)
    assert report.suggested_k == true_k
    assert report.scores[true_k] > 0.95
    assert all(score < report.scores[true_k] - 0.05 for k, score in report.scores.items() if k != true_k)


def test_shuffled_matrix_is_near_chance_for_every_k():
    matrix, _, _, _ = planted_blocks(300, 150, 5, seed=5)
    shuffled = np.random.default_rng(0).permuted(matrix.ravel()).reshape(matrix.shape)
    report = cluster_stability(shuffled, range(3, 8), runs=6)
    assert max(report.scores.values()) < 0.25


def test_neighbouring_ks_stay_within_two_and_the_largest():
    assert neighbouring_ks(8, 150) == [6, 7, 8, 9, 10]
    assert neighbouring_ks(3, 150) == [2, 3, 4, 5]
    assert neighbouring_ks(5, 6) == [3, 4, 5, 6]


def test_json_names_the_scores_and_suggestion():
    matrix, _, _, _ = planted_blocks(120, 60, 3, seed=1)
    data = cluster_stability(matrix, [2, 3, 4], runs=3).to_json()
    assert set(data["stability"]) == {"2", "3", "4"} and data["suggested_k"] == 3


def test_gram_decomposition_matches_the_co_clusterings_own():
    from rnnlens.analysis.cluster_stability import gram_decomposition
    from rnnlens.analysis.cocluster import decompose

    matrix, _, _, _ = planted_blocks(200, 90, 4, seed=2)
    matrix = matrix.astype(np.float64)
    ours = gram_decomposition(matrix, 6)
    exact = decompose(matrix, 6, np.random.default_rng(0))
    np.testing.assert_allclose(ours.s, exact.s, rtol=1e-8)
    np.testing.assert_allclose(ours.row_scale, exact.row_scale, rtol=1e-6)
    for a, b in ((ours.u, exact.u), (ours.vt.T, exact.vt.T)):  # singular vectors up to sign
        np.testing.assert_allclose(np.abs(np.sum(a * b, axis=0)), 1.0, atol=1e-6)


def test_too_few_words_for_every_k_is_a_clear_error():
    matrix, _, _, _ = planted_blocks(6, 20, 2, seed=0)
    with pytest.raises(ValueError, match="too few words"):
        cluster_stability(matrix, [8, 9], runs=3)

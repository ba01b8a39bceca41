"""Signed spectral co-clustering on planted data with known blocks."""

import numpy as np
import pytest
from analysis_planted import planted_blocks
from rnnlens.analysis.cocluster import (
    SignedSpectralCocluster,
    block_means,
    cluster_order,
    cocluster_responses,
)
from sklearn.metrics import adjusted_rand_score


@pytest.mark.parametrize("shape,k", [((300, 600), 8), ((1200, 400), 10)])
def test_recovers_planted_signed_blocks(shape, k):
    matrix, rows, columns, _ = planted_blocks(*shape, k, seed=3)
    model = SignedSpectralCocluster(n_clusters=k, random_state=0).fit(matrix)
    assert adjusted_rand_score(rows, model.row_labels_) >= 0.95
    assert adjusted_rand_score(columns, model.column_labels_) >= 0.95


def test_word_cluster_i_is_paired_with_its_planted_unit_cluster():
    matrix, rows, columns, signs = planted_blocks(300, 200, 5, seed=1)
    model = SignedSpectralCocluster(n_clusters=5, random_state=0).fit(matrix)
    for c in range(5):
        planted_rows = np.bincount(rows[model.row_labels_ == c]).argmax()
        planted_columns = np.bincount(columns[model.column_labels_ == c]).argmax()
        assert planted_rows == planted_columns
        links = block_means(matrix, model.row_labels_, model.column_labels_, 5)
        assert np.sign(links[c, c]) == np.sign(signs[planted_rows])


def test_two_clusters_split_by_sign_not_by_magnitude():
    # "Sentiment": positive words raise units A and lower units B; negative words do the opposite.
    rng = np.random.default_rng(0)
    polarity = np.repeat([1.0, -1.0], 50)
    unit_sign = np.repeat([1.0, -1.0], 20)
    magnitude = rng.uniform(0.2, 1.0, size=(100, 1))  # words differ a lot in how much they move units
    matrix = magnitude * np.outer(polarity, unit_sign) * 0.3 + rng.normal(0, 0.05, (100, 40))
    model = SignedSpectralCocluster(n_clusters=2, random_state=0).fit(matrix)
    assert adjusted_rand_score(polarity, model.row_labels_) == 1.0
    assert adjusted_rand_score(unit_sign, model.column_labels_) == 1.0


def test_changing_k_reuses_the_decomposition():
    matrix, rows, _, _ = planted_blocks(400, 300, 6, seed=2)
    model = SignedSpectralCocluster(n_clusters=3, random_state=0).fit(matrix)
    decomposition = model.decomposition_
    model.recluster(6)
    assert model.decomposition_ is decomposition
    assert adjusted_rand_score(rows, model.row_labels_) >= 0.95
    assert len(np.unique(model.row_labels_)) == 6


def test_same_random_state_gives_the_same_labels():
    matrix, _, _, _ = planted_blocks(200, 100, 4, seed=5, noise=0.3)
    a = SignedSpectralCocluster(4, random_state=7).fit(matrix)
    b = SignedSpectralCocluster(4, random_state=7).fit(matrix)
    assert np.array_equal(a.row_labels_, b.row_labels_)
    assert np.array_equal(a.column_labels_, b.column_labels_)


def test_too_many_clusters_is_refused():
    with pytest.raises(ValueError, match="at most 5"):
        SignedSpectralCocluster(n_clusters=6).fit(np.ones((5, 9)))


def test_result_links_strengths_and_order():
    matrix, rows, columns, signs = planted_blocks(120, 60, 3, seed=4)
    words = [f"w{i}" for i in range(120)]
    result, _ = cocluster_responses(matrix, words, 3, layer=2, state="h")
    assert sorted(result.order) == [0, 1, 2]
    assert np.abs(np.diag(result.links)).min() > 0.2  # planted blocks: |mean| ~ 0.3
    off_diagonal = result.links[~np.eye(3, dtype=bool)]
    assert np.abs(off_diagonal).max() < 0.05
    clusters = result.word_clusters()
    assert sorted(w for c in clusters for w in c) == sorted(words)
    assert sum(len(c) for c in result.unit_clusters()) == 60
    assert (result.word_strength >= 0).all() and result.word_strength.max() > 0.2
    as_json = result.to_json()
    assert {"word_clusters", "unit_clusters", "links"} <= set(as_json)
    assert len(as_json["links"]) == 3 and len(as_json["links"][0]) == 3


def test_order_keeps_strongly_linked_clusters_adjacent():
    links = np.array([[1.0, 0.0, 0.0, 0.0],
                      [0.0, 0.5, 0.0, 0.45],
                      [0.0, 0.0, 0.4, 0.0],
                      [0.0, 0.0, 0.0, 0.6]])
    order = cluster_order(links)
    position = {c: i for i, c in enumerate(order)}
    assert abs(position[1] - position[3]) == 1


# Words clustered on their shared-nearest-neighbour graph (issue 14, `n_neighbors`).


@pytest.mark.parametrize("shape,k,noise", [((300, 600), 8, 0.1), ((1200, 400), 10, 0.1), ((800, 200), 6, 0.35)])
def test_word_graph_recovers_planted_signed_blocks(shape, k, noise):
    # noise 0.1: one connected component per block (written down, not searched for); 0.35 at 800
    # words: one component, eigenvectors by Lanczos
    matrix, rows, columns, _ = planted_blocks(*shape, k, seed=3, noise=noise)
    model = SignedSpectralCocluster(n_clusters=k, random_state=0, n_neighbors=10).fit(matrix)
    assert model.word_graph_ is not None
    assert adjusted_rand_score(rows, model.row_labels_) >= 0.95
    assert adjusted_rand_score(columns, model.column_labels_) >= 0.95


def test_word_graph_splits_by_sign_not_by_magnitude():
    rng = np.random.default_rng(0)
    polarity = np.repeat([1.0, -1.0], 50)
    unit_sign = np.repeat([1.0, -1.0], 20)
    magnitude = rng.uniform(0.2, 1.0, size=(100, 1))
    matrix = magnitude * np.outer(polarity, unit_sign) * 0.3 + rng.normal(0, 0.05, (100, 40))
    model = SignedSpectralCocluster(n_clusters=2, random_state=0, n_neighbors=10).fit(matrix)
    assert model.word_graph_ is not None
    assert adjusted_rand_score(polarity, model.row_labels_) == 1.0
    assert adjusted_rand_score(unit_sign, model.column_labels_) == 1.0


def test_word_graph_is_kept_when_k_changes_and_runs_are_repeatable():
    matrix, rows, _, _ = planted_blocks(600, 150, 6, seed=2, noise=0.3)
    model = SignedSpectralCocluster(n_clusters=3, random_state=0, n_neighbors=10).fit(matrix)
    graph = model.word_graph_
    model.recluster(6)
    assert model.word_graph_ is graph
    assert adjusted_rand_score(rows, model.row_labels_) >= 0.95
    again = SignedSpectralCocluster(n_clusters=6, random_state=0, n_neighbors=10).fit(matrix)
    assert np.array_equal(again.row_labels_, model.row_labels_)
    assert np.array_equal(again.column_labels_, model.column_labels_)


def test_few_words_are_clustered_without_the_graph():
    matrix, _, _, _ = planted_blocks(30, 50, 3, seed=6)
    with_graph = SignedSpectralCocluster(n_clusters=3, random_state=0, n_neighbors=10).fit(matrix)
    without = SignedSpectralCocluster(n_clusters=3, random_state=0, n_neighbors=None).fit(matrix)
    assert with_graph.word_graph_ is None
    assert np.array_equal(with_graph.row_labels_, without.row_labels_)


def test_word_graph_labels_for_a_k_do_not_depend_on_the_ks_before():
    matrix, _, _, _ = planted_blocks(500, 120, 5, seed=8, noise=0.4)
    model = SignedSpectralCocluster(n_clusters=9, random_state=1, n_neighbors=10).fit(matrix)
    model.recluster(4)
    fresh = SignedSpectralCocluster(n_clusters=4, random_state=1, n_neighbors=10).fit(matrix)
    assert np.array_equal(model.row_labels_, fresh.row_labels_)

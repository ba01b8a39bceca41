"""Sequence glyphs (docs/method.md, step 6) on hand-made states with known answers."""

import numpy as np
import pytest
from rnnlens.analysis.glyphs import GLYPH_FIELDS, compute_glyphs


def test_positive_negative_and_changes_are_per_unit_sums_over_the_cluster():
    previous = np.array([[0.0, 0.0, 0.0], [0.5, -0.2, 0.4]])
    current = np.array([[0.5, -0.2, 0.4], [0.1, -0.6, -0.4]])
    labels = np.array([0, 0, 1])
    g = compute_glyphs(current, previous, labels, 2)
    # cluster 0 = units 0,1 (size 2); cluster 1 = unit 2 (size 1)
    assert g.positive[0].tolist() == pytest.approx([0.25, 0.4])
    assert g.negative[0].tolist() == pytest.approx([0.1, 0.0])
    assert g.positive[1].tolist() == pytest.approx([0.05, 0.0])
    assert g.negative[1].tolist() == pytest.approx([0.3, 0.4])
    assert g.delta_positive[1].tolist() == pytest.approx([0.05 - 0.25, -0.4])
    assert g.delta_negative[1].tolist() == pytest.approx([0.3 - 0.1, 0.4])
    assert g.update[1].tolist() == pytest.approx([(-0.4 - 0.4) / 2, -0.8])


def test_kept_rate_counts_only_units_that_kept_their_sign():
    previous = np.array([[0.5, -0.2, 0.4]])
    current = np.array([[0.1, -0.6, -0.4]])
    g = compute_glyphs(current, previous, np.array([0, 0, 1]), 2)
    assert g.kept[0, 0] == pytest.approx((0.1 + 0.2) / (0.5 + 0.2))
    assert g.kept[0, 1] == pytest.approx(0.0)  # the sign flipped: nothing carried over


def test_kept_rate_is_zero_without_previous_information_and_one_for_unchanged_state():
    state = np.array([[0.3, -0.7]])
    first = compute_glyphs(state, np.zeros_like(state), np.array([0, 0]), 1)
    same = compute_glyphs(state, state, np.array([0, 0]), 1)
    assert first.kept[0, 0] == 0.0
    assert same.kept[0, 0] == pytest.approx(1.0)
    assert same.update[0, 0] == 0.0


def test_glyphs_are_normalised_by_cluster_size():
    rng = np.random.default_rng(0)
    small = rng.normal(size=(5, 1))
    big = np.repeat(small, 4, axis=1)  # the same unit four times
    g_small = compute_glyphs(small, np.zeros_like(small), np.array([0]), 1)
    g_big = compute_glyphs(big, np.zeros_like(big), np.zeros(4, dtype=int), 1)
    for name in GLYPH_FIELDS:
        assert getattr(g_big, name) == pytest.approx(getattr(g_small, name), abs=1e-6)


def test_row_and_shapes():
    rng = np.random.default_rng(1)
    current, previous = rng.normal(size=(7, 10)), rng.normal(size=(7, 10))
    g = compute_glyphs(current, previous, np.arange(10) % 3, 3)
    for name in GLYPH_FIELDS:
        array = getattr(g, name)
        assert array.shape == (7, 3) and array.dtype == np.float32
    row = g.row(2)
    assert [c["cluster"] for c in row] == [0, 1, 2]
    assert row[1]["update"] == pytest.approx(float(g.update[2, 1]))
    assert (g.negative >= 0).all()


def test_bad_labels_are_refused():
    with pytest.raises(ValueError):
        compute_glyphs(np.zeros((2, 3)), np.zeros((2, 3)), np.array([0, 1, 3]), 3)

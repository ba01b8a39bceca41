"""Caches of glyphs name the unit labels they were computed from by cluster key and serial, never
by `id()` of the labels array (a freed array's address is reused: old glyphs would be served)."""

from __future__ import annotations

import numpy as np
from rnnlens.lsp.clusters import ClusterBook, ClusterKey


def never_computed(*args: object) -> np.ndarray:
    raise AssertionError("nothing should be computed here")


def test_labels_replaced_under_one_cluster_key_are_named_anew_each_time():
    book = ClusterBook(never_computed, lambda key: lambda fraction, message: None, lambda key, error: None)
    key = ClusterKey("m", "weights", 1, "h", 3)
    names = []
    for round_ in range(20):  # arrays made and freed in turn: CPython often hands out the same address
        book.set_labels(key, np.roll(np.arange(6) % 3, round_))
        labelled = book.labelled(key, start=False)
        assert labelled is not None
        labels, name = labelled
        assert labels.tolist() == np.roll(np.arange(6) % 3, round_).tolist()
        names.append(name)
    assert len(set(names)) == 20
    assert all(name[0] == key for name in names)


def test_no_labels_no_name():
    book = ClusterBook(never_computed, lambda key: lambda fraction, message: None, lambda key, error: None)
    assert book.labelled(ClusterKey("m", "weights", 1, "h", 3), start=False) is None

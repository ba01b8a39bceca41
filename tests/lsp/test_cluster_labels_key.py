"""Caches of glyphs name the unit labels they were computed from by cluster key and serial, never
by `id()` of the labels array (a freed array's address is reused: old glyphs would be served)."""

from __future__ import annotations

import threading
import time
from unittest.mock import patch

import numpy as np
import pytest
from rnnlens.lsp import clusters
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


def test_waiting_for_a_job_that_another_thread_is_just_starting_waits_for_it():
    """A request's `wait` came between the job's registration and its thread's start: join raised
    "cannot join thread before it is started", and the language server's `initialized` handler died
    with it (so the panel stream never started). The start is slowed here so the wait falls in between."""
    done = threading.Event()

    def compute(key: object, progress: object, cancelled: object) -> np.ndarray:
        done.wait(5)
        return np.zeros(4, dtype=np.int64)

    book = ClusterBook(compute, lambda key: lambda fraction, message: None, lambda key, error: None)
    key = ClusterKey("m", "weights", 1, "h", 3)
    registered = threading.Event()

    class SlowToStart(threading.Thread):
        def start(self) -> None:
            registered.set()
            time.sleep(0.3)
            super().start()

    outcome: list[object] = []

    def waiter() -> None:
        registered.wait(5)
        try:
            outcome.append(book.wait(key, 0.1))
        except RuntimeError as exc:
            outcome.append(exc)

    other = threading.Thread(target=waiter)
    other.start()
    with patch.object(clusters.threading, "Thread", SlowToStart):
        assert book.labels(key) is None
    other.join(5)
    assert outcome == [False]  # waited for a running job, which had not ended yet
    done.set()
    assert book.wait(key, 5)
    assert book.labels(key, start=False).tolist() == [0, 0, 0, 0]


def test_a_job_whose_thread_cannot_start_is_not_left_behind():
    book = ClusterBook(lambda key, progress, cancelled: np.ones(3, dtype=np.int64),
                       lambda key: lambda fraction, message: None, lambda key, error: None)
    key = ClusterKey("m", "weights", 1, "h", 3)

    class NoThreadLeft(threading.Thread):
        def start(self) -> None:
            raise RuntimeError("can't start new thread")

    with patch.object(clusters.threading, "Thread", NoThreadLeft), pytest.raises(RuntimeError):
        book.labels(key)
    assert book.status(key) == "not started" and book.wait(key, 0.1)
    assert book.labels(key) is None  # a later request starts the job
    assert book.wait(key, 5) and book.labels(key, start=False).tolist() == [1, 1, 1]

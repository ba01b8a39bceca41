"""Unit clusters for glyphs, computed once in the background and then reused.

The first co-clustering of a model needs an evaluation over a corpus (minutes on a small
machine); the analysis service caches it on disk, so later runs are instant. The language
server must answer hovers meanwhile, so the work runs on its own thread with progress, and
hovers and inlay hints show glyphs as soon as the labels exist.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from rnnlens.errors import Cancelled, RnnLensError


class ClusterKey(NamedTuple):
    """Which unit labels: the statistics' corpus is part of it (another corpus, other clusters)."""

    model: str
    weights: str
    layer: int
    state: str
    k: int
    corpus: str | tuple[str, ...] | None = None  # the rnnlens.corpus setting; None: the model card's corpus


# Names one labelling for caches of what was computed from it (glyphs, hint labels): the cluster
# key and a serial that changes whenever that key's labels are replaced. Never `id()` of the
# array: a freed array's address can be reused, and a cache would serve the old glyphs.
LabelsKey = tuple[ClusterKey, int]
Progress = Callable[[float, str], None]
Compute = Callable[[ClusterKey, Progress, Callable[[], bool]], np.ndarray]
AtHand = Callable[[ClusterKey], np.ndarray | None]  # labels that need no computation (shipped), or None


@dataclass
class ClusterJob:
    key: ClusterKey
    cancel: threading.Event
    thread: threading.Thread


class ClusterBook:
    """Unit labels per (model, layer, state, k): ready, being computed, or failed (with the message)."""

    def __init__(self, compute: Compute, on_started: Callable[[ClusterKey], Progress],
                 on_done: Callable[[ClusterKey, str | None], None], at_hand: AtHand | None = None):
        self._compute = compute
        self._at_hand = at_hand
        self._on_started = on_started
        self._on_done = on_done
        self._lock = threading.Lock()
        self._labels: dict[ClusterKey, np.ndarray] = {}
        self._serials: dict[ClusterKey, int] = {}  # key -> serial of its current labels (see LabelsKey)
        self._next_serial = itertools.count(1)
        self._failed: dict[ClusterKey, str] = {}
        self._jobs: dict[ClusterKey, ClusterJob] = {}
        self._generation: dict[str, int] = {}  # model -> bumps when its statistics change

    def labels(self, key: ClusterKey, start: bool = True) -> np.ndarray | None:
        """The labels if ready; otherwise start computing them (once) and return None."""
        found = self.labelled(key, start)
        return None if found is None else found[0]

    def labelled(self, key: ClusterKey, start: bool = True) -> tuple[np.ndarray, LabelsKey] | None:
        """The labels and the key that names them if ready; otherwise start computing them (once)."""
        with self._lock:
            if key in self._labels:
                return self._labels[key], (key, self._serials[key])
            if not start or key in self._jobs or key in self._failed:
                return None
            generation = self._generation.get(key[0], 0)
        ready = self._at_hand(key) if self._at_hand is not None else None
        if ready is not None:  # no job, no progress: the caller gets them now (a sample's first glyphs)
            with self._lock:
                stored = key not in self._labels and self._generation.get(key[0], 0) == generation
                if stored:
                    self._store(key, ready)
                found = (self._labels[key], (key, self._serials[key])) if key in self._labels else None
            if stored:
                self._on_done(key, None)
            if found is not None:
                return found
        with self._lock:
            if key in self._labels:
                return self._labels[key], (key, self._serials[key])
            if key in self._jobs or key in self._failed:
                return None
            cancel = threading.Event()
            thread = threading.Thread(target=self._run, args=(key, cancel), name=f"rnnlens-clusters-{key[0]}",
                                      daemon=True)
            self._jobs[key] = ClusterJob(key, cancel, thread)
            # started before the lock is let go: `wait` on another thread must never find a job
            # whose thread has not started (join raises then). The job takes the lock only later.
            try:
                thread.start()
            except RuntimeError:  # no thread to be had (the process is at its limit): no job either
                del self._jobs[key]
                raise
        return None

    def wait(self, key: ClusterKey, timeout: float) -> bool:
        """Wait up to `timeout` seconds for a job computing `key` to end; whether none is left."""
        with self._lock:
            job = self._jobs.get(key)
        if job is not None:
            job.thread.join(timeout)
        return job is None or not job.thread.is_alive()

    def _bump(self, model_name: str) -> None:
        self._generation[model_name] = self._generation.get(model_name, 0) + 1

    def set_labels(self, key: ClusterKey, labels: np.ndarray) -> None:
        """Labels that another path computed (the co-cluster command)."""
        with self._lock:
            self._bump(key[0])  # a job still running on older statistics must not overwrite these
            self._store(key, labels)
            self._failed.pop(key, None)

    def _store(self, key: ClusterKey, labels: np.ndarray) -> None:
        """(with the lock held)"""
        self._labels[key] = np.asarray(labels, dtype=np.int64)
        self._serials[key] = next(self._next_serial)

    def status(self, key: ClusterKey) -> str:
        with self._lock:
            if key in self._labels:
                return "ready"
            if key in self._jobs:
                return "computing"
            if key in self._failed:
                return f"failed: {self._failed[key]}"
            return "not started"

    def retry(self) -> None:
        """Forget failures (after the user changed something, e.g. evaluated a corpus)."""
        with self._lock:
            self._failed.clear()

    def cancel_all(self) -> None:
        with self._lock:
            for job in self._jobs.values():
                job.cancel.set()

    def _run(self, key: ClusterKey, cancel: threading.Event) -> None:
        error: str | None = None
        with self._lock:
            generation = self._generation.get(key[0], 0)
        try:
            progress = self._on_started(key)
            labels = self._compute(key, progress, cancel.is_set)
            with self._lock:
                if self._generation.get(key[0], 0) != generation:
                    error = "cancelled"  # the statistics changed meanwhile; newer labels win
                else:
                    self._store(key, labels)
        except Cancelled:
            error = "cancelled"
        except RnnLensError as exc:
            error = str(exc)
        except Exception as exc:  # noqa: BLE001 - a background failure must reach the user, not kill the server
            error = f"{type(exc).__name__}: {exc}"
        finally:
            with self._lock:
                self._jobs.pop(key, None)
                if error is not None and error != "cancelled":
                    self._failed[key] = error
        self._on_done(key, error)

"""States brought up to date right after an edit, before the editor asks for them.

Editors ask for inlay hints a little after each change (VS Code waits for its own debounce).
Starting the model at the change instead of at the request hides that work: the request then
finds the states and labels of its range ready. We remember, per document, the lines the
client last asked hints for, and after each change recompute those in the background. One
job per document runs at a time; changes that arrive meanwhile make the running job stop at
its next slice (its document is no longer current) and run once more with the newest text,
so a burst of keystrokes costs one job, never a queue of stale ones.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Executor

from rnnlens.lsp.stale import Stale

log = logging.getLogger(__name__)
Lines = tuple[int, int]
Work = Callable[[str, Lines, Callable[[], bool]], object]


class Precomputer:
    def __init__(self, executor: Executor, work: Work):
        self._executor = executor
        self._work = work  # work(uri, (first line, last line), superseded) may raise Stale
        self._lock = threading.Lock()
        self._lines: dict[str, Lines] = {}
        self._running: set[str] = set()
        self._again: set[str] = set()
        self.runs = 0  # finished jobs (for tests)

    def remember(self, uri: str, first_line: int, last_line: int) -> None:
        with self._lock:
            self._lines[uri] = (max(0, first_line), max(0, first_line, last_line))

    def forget(self, uri: str) -> None:
        with self._lock:
            self._lines.pop(uri, None)

    def changed(self, uri: str) -> None:
        """The document changed: (re)start its job, or tell the running one to go again."""
        with self._lock:
            if uri not in self._lines:
                return
            if uri in self._running:
                self._again.add(uri)
                return
            self._running.add(uri)
        try:
            self._executor.submit(self._run, uri)
        except RuntimeError:  # the executor is shutting down
            with self._lock:
                self._running.discard(uri)

    def _run(self, uri: str) -> None:
        while True:
            with self._lock:
                self._again.discard(uri)
                lines = self._lines.get(uri)
            if lines is not None:
                try:
                    self._work(uri, lines, lambda: uri in self._again)
                except Stale:
                    pass
                except Exception:  # noqa: BLE001 - a background guess must never take the server down
                    log.exception("precomputing %s failed", uri)
            with self._lock:
                if uri not in self._again:
                    self._running.discard(uri)
                    self.runs += 1
                    return

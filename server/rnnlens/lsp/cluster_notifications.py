"""What the editor hears about the unit clusters behind the glyphs: the rnnlens/status notification,
a progress bar while a clustering runs (ended exactly once, whatever the outcome), an inlay-hint
refresh when labels arrive, and one message when the clustering fails."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from rnnlens.lsp.clusters import ClusterKey, Progress
from rnnlens.lsp.notifier import Notifier, ProgressHandle
from rnnlens.protocol.commands import ClustersComputing, ClustersFailed, ClustersReady

CANCELLED = "cancelled"  # the error ClusterBook reports for a job it cancelled


class ClusterNotifications:
    def __init__(self, notifier: Notifier, provenance: Callable[[ClusterKey], dict[str, Any] | None]):
        self.notifier = notifier
        self._provenance = provenance  # the statistics behind a key's clusters (the ready status names them)
        self._lock = threading.Lock()
        self._progress: dict[ClusterKey, ProgressHandle] = {}  # open progress bars of cluster jobs

    def started(self, key: ClusterKey) -> Progress:
        self.notifier.status(ClustersComputing(clusters="computing", model=key.model, layer=key.layer,
                                               state=key.state, k=key.k, corpus=key.corpus))
        handle = self.notifier.start_progress(f"RNN Lens: clustering units of {key.model} (first time only)")
        with self._lock:
            self._progress[key] = handle
        return handle.report

    def done(self, key: ClusterKey, error: str | None) -> None:
        with self._lock:
            handle = self._progress.pop(key, None)
        if handle is not None:  # success, failure or cancel: the bar ends
            handle.end("clusters ready" if error is None else CANCELLED if error == CANCELLED else "failed")
        if error is None:
            self.notifier.status(ClustersReady(clusters="ready", model=key.model, layer=key.layer, state=key.state,
                                               k=key.k, corpus=key.corpus, provenance=self._provenance(key)))
            self.notifier.refresh_inlay_hints()
        elif error != CANCELLED:
            self.notifier.status(ClustersFailed(clusters="failed", model=key.model, corpus=key.corpus, error=error))
            self.notifier.show_message(f"RNN Lens: could not cluster the units of {key.model}, so glyphs are "
                                       f"not shown: {error}")

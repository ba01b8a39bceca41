"""Open documents as immutable, versioned snapshots that worker threads can read safely.

pygls applies edits to its own document on the event-loop thread; right after each change we
take a snapshot (uri, version, text). Workers only ever see whole snapshots, and ask
`is_current` to learn whether the document moved on while they worked, so that no answer is
built from a mix of versions or returned for a stale one.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from pygls.workspace.position_codec import PositionCodec

from rnnlens.lsp.positions import PositionMap


@dataclass(eq=False)
class Snapshot:
    uri: str
    version: int
    text: str
    language_id: str
    codec: PositionCodec
    _positions: PositionMap | None = field(default=None, repr=False)

    @property
    def positions(self) -> PositionMap:
        if self._positions is None:  # a benign race: two threads may build the same map
            self._positions = PositionMap(self.text, self.codec)
        return self._positions


class DocumentStore:
    """uri -> the latest snapshot. Written on the event loop, read from workers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._documents: dict[str, Snapshot] = {}
        self._serial = 0  # bumps on every change, so a reopened document never matches an old snapshot
        self._numbers: dict[str, int] = {}  # uri -> a small number that names it in inlay-hint data
        self._uris: list[str] = []

    def put(self, uri: str, version: int | None, text: str, language_id: str, codec: PositionCodec) -> Snapshot:
        with self._lock:
            self._serial += 1
            snapshot = Snapshot(uri, version if version is not None else -self._serial, text, language_id, codec)
            self._documents[uri] = snapshot
            return snapshot

    def close(self, uri: str) -> None:
        with self._lock:
            self._documents.pop(uri, None)

    def get(self, uri: str) -> Snapshot | None:
        with self._lock:
            return self._documents.get(uri)

    def is_current(self, snapshot: Snapshot) -> bool:
        with self._lock:
            return self._documents.get(snapshot.uri) is snapshot

    def number(self, uri: str) -> int:
        with self._lock:
            if uri not in self._numbers:
                self._numbers[uri] = len(self._uris)
                self._uris.append(uri)
            return self._numbers[uri]

    def uri_of(self, number: int) -> str | None:
        with self._lock:
            return self._uris[number] if 0 <= number < len(self._uris) else None

    def uris(self) -> list[str]:
        with self._lock:
            return list(self._documents)

"""Open documents as immutable, versioned snapshots that worker threads can read safely.

The store applies the client's edits itself, on the event-loop thread, with LSP's lines
(`positions.lsp_lines`) and the negotiated column units: pygls' own document splits lines with
`str.splitlines` and would apply an edit after a form feed or U+2028 at the wrong place. Each
open or change makes a new snapshot (uri, version, text). Workers only ever see whole
snapshots, and ask `is_current` to learn whether the document moved on while they worked, so
that no answer is built from a mix of versions or returned for a stale one.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from lsprotocol import types
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

    def change(self, uri: str, version: int | None, changes: Sequence[types.TextDocumentContentChangeEvent],
               ) -> Snapshot | None:
        """Apply a didChange's edits, in order, to the open document (None when it is not open)."""
        current = self.get(uri)
        if current is None:
            return None
        text, positions = current.text, current._positions
        for change in changes:
            if isinstance(change, types.TextDocumentContentChangePartial):
                if positions is None:
                    positions = PositionMap(text, current.codec)
                start = positions.clamped_offset(change.range.start)
                end = positions.clamped_offset(change.range.end)
                start, end = min(start, end), max(start, end)
                text = text[:start] + change.text + text[end:]
            else:
                text = change.text
            positions = None  # the next edit's positions are in the new text
        return self.put(uri, version, text, current.language_id, current.codec)

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

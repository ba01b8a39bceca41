"""Map code-point offsets in a document snapshot to LSP positions and back.

Python indexes strings by code points; clients count columns in the negotiated encoding
(UTF-16 code units for VS Code). Units are counted by the document's pygls position codec,
and lines are split the way pygls splits them when it applies edits (`str.splitlines`), so
our positions agree with the text the server holds. Lines made only of one-unit characters
(nearly all of them) need no per-character work; others get a cumulative table on demand.
"""

from __future__ import annotations

import bisect
from itertools import accumulate

import numpy as np
from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec


class PositionMap:
    """Offsets <-> positions for one immutable text."""

    def __init__(self, text: str, codec: PositionCodec):
        self._text = text
        self._codec = codec
        lines = text.splitlines(True)
        self.line_starts: list[int] = [0, *accumulate(len(line) for line in lines)][: max(len(lines), 1)]
        self._lines = lines or [""]
        self._unit_tables: dict[int, list[int] | None] = {}
        self._starts_array: np.ndarray | None = None

    @property
    def line_count(self) -> int:
        return len(self._lines)

    def _units_before(self, line: int) -> list[int] | None:
        """Cumulative client units before each code point of `line`; None when units == code points."""
        if line not in self._unit_tables:
            text = self._lines[line]
            # ASCII is one unit per character in every LSP encoding; the codec's per-character
            # count costs milliseconds over a screenful of lines after each edit
            if text.isascii() or self._codec.client_num_units(text) == len(text):
                self._unit_tables[line] = None
            else:
                widths = [self._codec.client_num_units(ch) for ch in text]
                self._unit_tables[line] = [0, *accumulate(widths)]
        return self._unit_tables[line]

    def position_at(self, offset: int) -> types.Position:
        """The client position of code-point `offset` (clamped to the text)."""
        offset = min(max(offset, 0), len(self._text))
        line = bisect.bisect_right(self.line_starts, offset) - 1
        column = offset - self.line_starts[line]
        table = self._units_before(line)
        return types.Position(line=line, character=column if table is None else table[min(column, len(table) - 1)])

    def positions_at(self, offsets: np.ndarray) -> list[tuple[int, int]]:
        """(line, character) for many offsets at once (inlay hints need hundreds)."""
        clamped = np.clip(np.asarray(offsets, dtype=np.int64), 0, len(self._text))
        if self._starts_array is None:
            self._starts_array = np.asarray(self.line_starts, dtype=np.int64)
        lines = np.searchsorted(self._starts_array, clamped, side="right") - 1
        columns = clamped - self._starts_array[lines]
        result = []
        for line, column in zip(lines.tolist(), columns.tolist(), strict=True):
            table = self._units_before(line)
            result.append((line, column if table is None else table[min(column, len(table) - 1)]))
        return result

    def offset_at(self, position: types.Position) -> int | None:
        """The code-point offset of a client position; None when it lies past the end of the text.

        A column inside a surrogate pair rounds down to the character that holds it.
        """
        if position.line < 0 or position.character < 0 or position.line >= len(self._lines):
            return None
        text = self._lines[position.line]
        content = len(text.rstrip("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"))
        table = self._units_before(position.line)
        if table is None:
            column = position.character
        else:
            column = bisect.bisect_right(table, position.character) - 1
        if column > content:
            return None
        return self.line_starts[position.line] + column

    def line_span(self, first: int, last: int) -> tuple[int, int]:
        """Code-point span [start, end) covering lines first..last inclusive (clamped)."""
        first = min(max(first, 0), len(self._lines) - 1)
        last = min(max(last, first), len(self._lines) - 1)
        return self.line_starts[first], self.line_starts[last] + len(self._lines[last])

    def span_of_range(self, range_: types.Range) -> tuple[int, int]:
        """Code-point span of a client range, clamped to the text (ranges past the end shrink)."""
        start = self._clamped_offset(range_.start)
        end = self._clamped_offset(range_.end)
        return start, max(start, end)

    def _clamped_offset(self, position: types.Position) -> int:
        if position.line >= len(self._lines):
            return len(self._text)
        line = max(position.line, 0)
        text = self._lines[line]
        table = self._units_before(line)
        column = max(position.character, 0)
        if table is not None:
            column = bisect.bisect_right(table, column) - 1
        return self.line_starts[line] + min(column, len(text))

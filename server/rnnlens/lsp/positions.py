"""Lines as LSP defines them, and code-point offsets <-> LSP positions for one immutable text.

LSP splits lines only at `\\n`, `\\r\\n` and `\\r` (`str.splitlines`, which pygls' document uses,
also splits at form feed, VT, FS, GS, RS, U+0085, U+2028 and U+2029: a server that used it
would count lines the editor does not have). Python indexes strings by code points; clients
count columns in the negotiated encoding (UTF-16 code units for VS Code), counted here by a
pygls position codec. Lines made only of one-unit characters (nearly all of them) need no
per-character work; others get a cumulative table on demand.
"""

from __future__ import annotations

import bisect
import re
from itertools import accumulate

import numpy as np
from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

LINE_BREAK = re.compile(r"(\r\n|\r|\n)")


def lsp_lines(text: str) -> list[str]:
    """The text's lines with their line breaks, split where an LSP client splits them.

    There is always one more line than line breaks (a text ending in `\\n` has an empty last
    line, where the editor can put its cursor)."""
    if "\r" not in text:  # the common case: C-speed split
        parts = text.split("\n")
        return [part + "\n" for part in parts[:-1]] + [parts[-1]]
    pieces = LINE_BREAK.split(text)  # content, break, content, break, ..., content
    return [pieces[i] + pieces[i + 1] for i in range(0, len(pieces) - 1, 2)] + [pieces[-1]]


def content_length(line: str) -> int:
    """Characters of `line` before its line break."""
    if line.endswith("\r\n"):
        return len(line) - 2
    if line.endswith(("\n", "\r")):
        return len(line) - 1
    return len(line)


class PositionMap:
    """Offsets <-> positions for one immutable text."""

    def __init__(self, text: str, codec: PositionCodec):
        self._text = text
        self._codec = codec
        self._lines = lsp_lines(text)
        self.line_starts: list[int] = [0, *accumulate(len(line) for line in self._lines[:-1])]
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

    def _column(self, line: int, character: int) -> int:
        """The code-point column of a client column on `line` (inside a surrogate pair: the pair)."""
        table = self._units_before(line)
        if table is None:
            return character
        return bisect.bisect_right(table, character) - 1

    def offset_at(self, position: types.Position) -> int | None:
        """The code-point offset of a client position; None when it lies past the end of its line
        or of the text."""
        if position.line < 0 or position.character < 0 or position.line >= len(self._lines):
            return None
        column = self._column(position.line, position.character)
        if column > content_length(self._lines[position.line]):
            return None
        return self.line_starts[position.line] + column

    def clamped_offset(self, position: types.Position) -> int:
        """The code-point offset of a client position, clamped as LSP says for edits: a column past
        the line's end means the line's end, a line past the last line the end of the text."""
        if position.line >= len(self._lines):
            return len(self._text)
        line = max(position.line, 0)
        column = self._column(line, max(position.character, 0))
        return self.line_starts[line] + min(column, content_length(self._lines[line]))

    def line_span(self, first: int, last: int) -> tuple[int, int]:
        """Code-point span [start, end) covering lines first..last inclusive (clamped)."""
        first = min(max(first, 0), len(self._lines) - 1)
        last = min(max(last, first), len(self._lines) - 1)
        return self.line_starts[first], self.line_starts[last] + len(self._lines[last])

    def span_of_range(self, range_: types.Range) -> tuple[int, int]:
        """Code-point span of a client range, clamped to the text (ranges past the end shrink, an
        inverted range is empty)."""
        start = self.clamped_offset(range_.start)
        end = self.clamped_offset(range_.end)
        return start, max(start, end)

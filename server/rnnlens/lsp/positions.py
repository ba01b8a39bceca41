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
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

if TYPE_CHECKING:
    import numpy as np

LINE_BREAK = re.compile(r"(\r\n|\r|\n)")


def split_lines(text: str) -> tuple[list[str], list[int]]:
    """The text's lines without their line breaks, and the offset where each line starts, split
    where an LSP client splits them. There is always one more line than line breaks (a text
    ending in `\\n` has an empty last line, where the editor can put its cursor)."""
    if "\r" not in text:  # the common case: C-speed split and sums
        contents = text.split("\n")
        return contents, [0, *accumulate(len(line) + 1 for line in contents[:-1])]
    pieces = LINE_BREAK.split(text)  # content, break, content, break, ..., content
    contents, breaks = pieces[0::2], pieces[1::2]
    return contents, [0, *accumulate(len(line) + len(end) for line, end in zip(contents, breaks, strict=False))]


def lsp_lines(text: str) -> list[str]:
    """The text's lines with their line breaks (see `split_lines`)."""
    contents, starts = split_lines(text)
    ends = [*starts[1:], len(text)]
    return [text[start:end] for start, end in zip(starts, ends, strict=True)]


class PositionMap:
    """Offsets <-> positions for one immutable text."""

    def __init__(self, text: str, codec: PositionCodec):
        self._text = text
        self._codec = codec
        self._lines, self.line_starts = split_lines(text)  # line contents, without their breaks
        self._unit_tables: dict[int, list[int] | None] = {}
        self._starts_array: np.ndarray | None = None

    @property
    def codec(self) -> PositionCodec:
        """The negotiated column units (to map another text, e.g. a results file, the same way)."""
        return self._codec

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
        import numpy as np  # here, not at the top: the server answers `initialize` before numpy is loaded

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
        if character > table[-1]:
            return len(table)  # past the line's end (callers refuse or clamp it)
        return bisect.bisect_right(table, character) - 1

    def offset_at(self, position: types.Position) -> int | None:
        """The code-point offset of a client position; None when it lies past the end of its line
        or of the text."""
        if position.line < 0 or position.character < 0 or position.line >= len(self._lines):
            return None
        column = self._column(position.line, position.character)
        if column > len(self._lines[position.line]):
            return None
        return self.line_starts[position.line] + column

    def clamped_offset(self, position: types.Position) -> int:
        """The code-point offset of a client position, clamped as LSP says for edits: a column past
        the line's end means the line's end, a line past the last line the end of the text."""
        if position.line >= len(self._lines):
            return len(self._text)
        line = max(position.line, 0)
        column = self._column(line, max(position.character, 0))
        return self.line_starts[line] + min(column, len(self._lines[line]))

    def line_span(self, first: int, last: int) -> tuple[int, int]:
        """Code-point span [start, end) covering lines first..last inclusive (clamped)."""
        first = min(max(first, 0), len(self._lines) - 1)
        last = min(max(last, first), len(self._lines) - 1)
        end = self.line_starts[last + 1] if last + 1 < len(self.line_starts) else len(self._text)
        return self.line_starts[first], end

    def span_of_range(self, range_: types.Range) -> tuple[int, int]:
        """Code-point span of a client range, clamped to the text (ranges past the end shrink, an
        inverted range is empty)."""
        start = self.clamped_offset(range_.start)
        end = self.clamped_offset(range_.end)
        return start, max(start, end)

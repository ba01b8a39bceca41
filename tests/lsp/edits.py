"""Client-side edit helpers: turn a code-point edit into an LSP incremental change (UTF-16 columns)."""

from __future__ import annotations

from lsprotocol import types


def utf16_position(text: str, offset: int) -> types.Position:
    """The LSP position of code-point `offset`, lines split at \\n, columns in UTF-16 code units."""
    before = text[:offset]
    line = before.count("\n")
    column_text = before[before.rfind("\n") + 1:]
    return types.Position(line=line, character=len(column_text.encode("utf-16-le")) // 2)


def change(text: str, start: int, end: int, replacement: str) -> tuple[str, types.TextDocumentContentChangePartial]:
    """Apply the edit to `text`; return the new text and the change event that describes it."""
    event = types.TextDocumentContentChangePartial(
        range=types.Range(utf16_position(text, start), utf16_position(text, end)), text=replacement)
    return text[:start] + replacement + text[end:], event

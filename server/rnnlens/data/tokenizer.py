"""Tokenisation that keeps exact character spans into the original text.

The editor needs to map every token back to its place in the document, so a token is
(text as written, start, end, normalised form). Normalisation lower-cases, unifies
apostrophes and turns numbers into the `<num>` symbol; the vocabulary then decides what
is known. Any input string tokenises without raising: punctuation and emoji become
single-symbol tokens, control characters and whitespace are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NUMBER_SYMBOL = "<num>"

_LETTER = r"(?:[^\W\d_][\u0300-\u036f\u0483-\u0489\u064b-\u065f\u0900-\u0903\u093a-\u094f]*)"
_WORD = rf"{_LETTER}+(?:[-'’]{_LETTER}+)*"
_NUMBER = r"\d+(?:[.,:/]\d+)*(?:st|nd|rd|th|s)?"
# One visible symbol, with the joiners and modifiers that make an emoji a single glyph.
_SYMBOL = r"[^\s\w](?:[\u200d\ufe0e\ufe0f\U0001f3fb-\U0001f3ff\u20e3]+[^\s\w]?)*"
_TOKEN_RE = re.compile(rf"(?P<number>{_NUMBER})|(?P<word>{_WORD})|(?P<symbol>{_SYMBOL})|(?P<other>_+)")


@dataclass(frozen=True, slots=True)
class Token:
    """One token: `text` is exactly `source[start:end]`; `norm` is what the vocabulary sees."""

    text: str
    start: int
    end: int
    norm: str

    @property
    def is_word(self) -> bool:
        return self.norm[:1].isalnum() or self.norm == NUMBER_SYMBOL


def normalise(text: str) -> str:
    """Lower-case, unify curly apostrophes, map numbers to `<num>`."""
    if text[:1].isdigit():
        return NUMBER_SYMBOL
    return text.lower().replace("’", "'")


def tokenize(text: str) -> list[Token]:
    """Split `text` into tokens with code-point offsets (Python string indices)."""
    tokens: list[Token] = []
    for match in _TOKEN_RE.finditer(text):
        piece = match.group(0)
        if not piece.isprintable() and not piece.strip():
            continue
        tokens.append(Token(piece, match.start(), match.end(), normalise(piece)))
    return tokens


def iter_token_norms(text: str) -> list[str]:
    """Only the normalised forms (cheaper for corpus statistics)."""
    return [normalise(m.group(0)) for m in _TOKEN_RE.finditer(text)]

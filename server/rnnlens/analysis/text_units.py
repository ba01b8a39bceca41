"""Documents in units: where the recurrent state restarts from zero (issue 10, item 6).

`none` reads the whole text as one sequence (a language model's default); `lines` restarts at
every line (a classifier's default: one review a line); `paragraphs` at every run of blank lines.
Lines end where LSP ends them, at `\\n`, `\\r\\n` or `\\r` only, so the editor and the server
agree on what line 3 is (a form feed or U+2028 is whitespace inside a line here).
Pure: text and token offsets in, token indices out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

RESETS = ("none", "lines", "paragraphs")
LINE_BREAK = re.compile(r"\r\n|\r|\n")
# a line break, then one or more lines holding only spaces/tabs/form feeds (not line breaks)
PARAGRAPH_BREAK = re.compile(r"(?:\r\n|\r|\n)(?:[^\S\r\n]*(?:\r\n|\r|\n))+")


def default_reset(task: str) -> str:
    """A classifier judges one unit (a review a line); a language model reads on."""
    return "lines" if task == "classifier" else "none"


def resolve_reset(reset: str | None, task: str) -> str:
    """`reset` checked, or the task's default when None or "auto"."""
    if reset is None or reset == "auto":
        return default_reset(task)
    if reset not in RESETS:
        raise ValueError(f"reset must be one of {', '.join(RESETS)} (or auto); got {reset!r}")
    return reset


def unit_starts(text: str, token_starts: Sequence[int] | np.ndarray, reset: str) -> np.ndarray:
    """Indices of the tokens that start a unit (always 0 when there are tokens), sorted, int64.

    `token_starts` are the tokens' code-point offsets into `text`, ascending.
    """
    starts = np.asarray(token_starts, dtype=np.int64)
    if starts.size == 0:
        return np.zeros(0, dtype=np.int64)
    if reset == "none":
        return np.zeros(1, dtype=np.int64)
    pattern = {"lines": LINE_BREAK, "paragraphs": PARAGRAPH_BREAK}.get(reset)
    if pattern is None:
        raise ValueError(f"reset must be one of {', '.join(RESETS)}; got {reset!r}")
    breaks = np.fromiter((match.end() for match in pattern.finditer(text)), dtype=np.int64)
    firsts = np.searchsorted(starts, breaks, side="left")  # the first token after each break
    return np.unique(np.concatenate([[0], firsts[firsts < starts.size]]))


def unit_spans(starts: np.ndarray, n_tokens: int) -> list[tuple[int, int]]:
    """[first, stop) token ranges of the units that `starts` (from `unit_starts`) begin."""
    bounds = [int(s) for s in starts] + [n_tokens]
    return [(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1) if bounds[i] < bounds[i + 1]]


def reset_mask(starts: np.ndarray, n_tokens: int) -> np.ndarray:
    """(n_tokens,) bool: True where the state restarts before the token (token 0 included)."""
    mask = np.zeros(n_tokens, dtype=bool)
    mask[starts[starts < n_tokens]] = True
    return mask


def line_numbers(text: str, offsets: Sequence[int] | np.ndarray) -> np.ndarray:
    """The 0-based LSP line of each code-point offset (ascending or not)."""
    ends = np.fromiter((match.end() for match in LINE_BREAK.finditer(text)), dtype=np.int64)
    return np.searchsorted(ends, np.asarray(offsets, dtype=np.int64), side="right")

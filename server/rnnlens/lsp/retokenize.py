"""Tokenise an edited document by reusing the tokens the edit did not reach.

The default tokenizer is local: a token depends only on a few characters around it. So the
tokens that end well before the first changed character stay, and scanning resumes from the
last kept token; once a new token starts inside the unchanged tail at the same place (shifted
by the edit's length) as an old one, every later old token is valid too (shifted), because
the scan from there reads the same characters. Scanning is done in windows with the public
`tokenize`, dropping tokens near a window's cut.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rnnlens.data.tokenizer import Token

MARGIN = 8  # characters of context a token may depend on (apostrophes, joiners, combining marks)
WINDOW = 512  # grows for a token longer than this


def common_prefix(a: str, b: str) -> int:
    low, high = 0, min(len(a), len(b))
    while low < high:  # the largest n with a[:n] == b[:n]; slice comparison runs in C
        mid = (low + high + 1) // 2
        if a[:mid] == b[:mid]:
            low = mid
        else:
            high = mid - 1
    return low


def common_suffix(a: str, b: str, limit: int) -> int:
    low, high = 0, min(len(a), len(b), limit)
    while low < high:
        mid = (low + high + 1) // 2
        if a[len(a) - mid:] == b[len(b) - mid:]:
            low = mid
        else:
            high = mid - 1
    return low


@dataclass
class Retokenized:
    """New tokens = old[:kept] + middle + old[tail:] (the tail's offsets shifted by `shift`)."""

    kept: int
    middle: list[Token]
    tail: int  # index into the old tokens; == len(old) when nothing is reused at the end
    shift: int


def retokenize(old_text: str, old_starts: np.ndarray, old_ends: np.ndarray, new_text: str,
               tokenize: Callable[[str], list[Token]]) -> Retokenized:
    """Which old tokens (given by their code-point `old_starts`/`old_ends`) survive an edit, and the new ones."""
    prefix = common_prefix(old_text, new_text)
    suffix = common_suffix(old_text, new_text, min(len(old_text), len(new_text)) - prefix)
    kept = int(np.searchsorted(old_ends, prefix - MARGIN, side="right"))
    position = int(old_ends[kept - 1]) if kept else 0
    delta = len(new_text) - len(old_text)
    tail_start = len(new_text) - suffix + MARGIN  # new tokens starting here or later may resync
    middle: list[Token] = []
    window_size = WINDOW
    while position < len(new_text):
        end = min(len(new_text), position + window_size)
        last_window = end == len(new_text)
        resume: int | None = None  # where the next window starts (a token start, so a scan boundary)
        for token in tokenize(new_text[position:end]):
            start, stop = token.start + position, token.end + position
            if not last_window and stop > end - MARGIN:
                resume = start  # too close to the cut: scan it again in the next window
                break
            if start >= tail_start:
                index = int(np.searchsorted(old_starts, start - delta))
                if index < len(old_starts) and old_starts[index] == start - delta:
                    return Retokenized(kept, middle, index, delta)
            middle.append(Token(token.text, start, stop, token.norm))
        if last_window:
            break
        if resume is None:  # no token reached the cut: the window's end holds only skipped characters
            resume = middle[-1].end if middle and middle[-1].end > end - MARGIN else end - MARGIN
        if resume <= position:  # one token longer than the window: widen it
            window_size *= 2
            continue
        position, window_size = resume, WINDOW
    return Retokenized(kept, middle, len(old_starts), delta)

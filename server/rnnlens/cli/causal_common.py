"""What `rnnlens effects` and `rnnlens attribute` share: the text's tokens and ids, a token index,
and the unit (line, paragraph or whole text) whose recurrence a token belongs to."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import torch

from rnnlens.analysis.text_units import RESETS, resolve_reset, unit_spans, unit_starts
from rnnlens.data.corpora import read_analysed_text
from rnnlens.data.tokenizer import Token
from rnnlens.errors import RnnLensError
from rnnlens.models.loaded import LoadedModel


@dataclass
class TracedText:
    path: Path
    text: str
    tokens: list[Token]
    ids: torch.Tensor  # (1, time)


@dataclass
class Unit:
    """Tokens first..stop-1 of the text, run from a zero state (as `analyze --reset` runs them)."""

    first: int
    tokens: list[Token]
    ids: torch.Tensor  # (1, stop - first)


def add_reset(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--reset", choices=RESETS, default=None,
                        help="restart the state per line or paragraph, as analyze does (default: lines for a "
                             "classifier, none for a language model); a token's context is its own unit")


def read_tokens(path: Path, model: LoadedModel) -> TracedText:
    text = read_analysed_text(path)
    tokens = model.tokenize(text)
    if not tokens:
        raise RnnLensError(f"{path} holds no tokens to analyse")
    return TracedText(path, text, tokens, torch.tensor([model.encode(tokens)], dtype=torch.long))


def token_index(text: TracedText, token: int | None, default: int) -> int:
    """A 0-based token index; negative counts from the end, as in Python."""
    count = len(text.tokens)
    index = default if token is None else token
    if index < 0:
        index += count
    if not 0 <= index < count:
        raise RnnLensError(f"{text.path} has tokens 0..{count - 1}; there is no token {token}")
    return index


def units_of(text: TracedText, reset: str | None, task: str) -> list[Unit]:
    try:
        chosen = resolve_reset(reset, task)
    except ValueError as exc:
        raise RnnLensError(str(exc)) from None
    starts = unit_starts(text.text, [t.start for t in text.tokens], chosen)
    return [Unit(first, text.tokens[first:stop], text.ids[:, first:stop])
            for first, stop in unit_spans(starts, len(text.tokens))]


def unit_of(units: list[Unit], index: int) -> Unit:
    return next(u for u in units if u.first <= index < u.first + len(u.tokens))

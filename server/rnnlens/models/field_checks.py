"""Checks for values read from JSON configs: exact types (JSON `true` is not 1, `2.0` is not a
layer count, `"no"` is not a boolean) and ranges, each failure one line naming file and field."""

from __future__ import annotations

import math
from typing import Any

from rnnlens.errors import RnnLensError

_TYPE_WORDS = {bool: "true or false", str: "a string", int: "a whole number", dict: "a JSON object"}


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def require_type(source: str, name: str, value: Any, kind: type) -> None:
    if type(value) is not kind:
        raise RnnLensError(f"{source}: {name} must be {_TYPE_WORDS.get(kind, kind.__name__)}, got {_shown(value)}")


def require_int(source: str, name: str, value: Any, low: int, high: int | None = None) -> None:
    """A JSON integer (not a bool, not 2.0) with low <= value <= high."""
    if type(value) is not int:
        raise RnnLensError(f"{source}: {name} must be a whole number, got {_shown(value)}")
    if value < low or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise RnnLensError(f"{source}: {name} must be {bounds}, got {value}")


def require_number(source: str, name: str, value: Any, low: float, high: float | None = None,
                   high_open: bool = False, low_open: bool = False) -> None:
    """A finite JSON number (int or float, not a bool) in [low, high] (or open at either end)."""
    if type(value) not in (int, float) or not math.isfinite(value):
        raise RnnLensError(f"{source}: {name} must be a number, got {_shown(value)}")
    too_low = value <= low if low_open else value < low
    too_high = high is not None and (value >= high if high_open else value > high)
    if too_low or too_high:
        left, right = ("(" if low_open else "["), (")" if high_open else "]")
        raise RnnLensError(f"{source}: {name} must be in {left}{low}, {high if high is not None else 'inf'}{right}, "
                           f"got {value}")

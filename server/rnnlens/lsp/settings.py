"""The server's settings: defaults, `initializationOptions` and the `rnnlens` configuration section.

Both sources use the same keys (camelCase, as in VS Code settings), except the keys that declare
code to run (INITIALIZATION_ONLY_KEYS). A value that is wrong is reported by name and the previous
value stays, so one typo never stops the server.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from rnnlens.analysis.text_units import RESETS
from rnnlens.limits import MAX_TEXT_CHARS

DENSITIES = ("all", "words", "large", "off")
# The VS Code extension's names for the same choices.
DENSITY_ALIASES = {"every-token": "all", "sparse": "large", "none": "off"}
CLIENT_ONLY_KEYS = ("interpreter", "trace.server")  # read by the editor extension, not by the server
# Keys that declare code RNN Lens may import: taken from initializationOptions only, which the user's
# editor setup fills. workspace/configuration and didChangeConfiguration may carry a project's own
# settings (VS Code's machine scope binds only VS Code; Neovim project configs, .vscode in other
# editors), so a workspace could otherwise make the server run its code.
INITIALIZATION_ONLY_KEYS = ("modelPaths",)
DEFAULT_LANGUAGES = ("plaintext", "markdown")
# characters; larger documents get a message, not an analysis (at most the shared size limit)
DEFAULT_MAX_DOCUMENT_SIZE = MAX_TEXT_CHARS
DEFAULT_HOVER_ATTRIBUTION_WINDOW = 30  # words; see docs/lsp.md for what a hover's attribution costs
MAX_HOVER_ATTRIBUTION_WINDOW = 200


@dataclass(frozen=True)
class Settings:
    model: str | None = None  # None: brown-lstm when present, else the first model found
    model_paths: tuple[str, ...] = ()
    # The statistics clusters and explanations use: a corpus name[:split], a text file, a folder, or
    # a list of files. None: the held-out split of the corpus the model card names (evaluating
    # never changes this).
    corpus: str | tuple[str, ...] | None = None
    layer: int | None = None  # 1-based; None: the last layer
    state: str | None = None  # "h" | "c"; None: the model's default (c for LSTMs)
    clusters: int = 8
    inlay_density: str = "words"  # "off" hides the hints
    inlay_enabled: bool = True
    hover_image: bool = True
    # hovers name the earlier words that drive the output (integrated gradients, docs/causal.md),
    # over at most this many words of the token's line: the hover's cost grows with the window
    hover_attribution: bool = True
    hover_attribution_window: int = DEFAULT_HOVER_ATTRIBUTION_WINDOW
    max_document_size: int = DEFAULT_MAX_DOCUMENT_SIZE
    # where the state restarts: none | lines | paragraphs; None ("auto"): lines for a classifier,
    # none for a language model (text_units.default_reset)
    reset: str | None = None
    languages: tuple[str, ...] = DEFAULT_LANGUAGES
    # where corpus evaluation runs: cpu | cuda | auto (models/device.py); checked when set
    device: str = "cpu"
    # False: recompute the whole document for every request (the benchmark's baseline; no caches).


def _flatten(raw: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"inlayHints": {"density": "all"}} and {"inlayHints.density": "all"} mean the same."""
    flat: dict[str, Any] = {}
    for key, value in raw.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and name in ("inlayHints", "hover", "trace"):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def _positive_int(name: str, value: Any, minimum: int = 1, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value or value < minimum \
            or (maximum is not None and value > maximum):
        bound = f" and at most {maximum}" if maximum is not None else ""
        raise ValueError(f"rnnlens.{name} must be a whole number of at least {minimum}{bound}, got {value!r}")
    return int(value)


def _string_list(name: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"rnnlens.{name} must be a list of strings, got {value!r}")
    return tuple(value)


def _optional_string(name: str, value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"rnnlens.{name} must be a string, got {value!r}")
    return value


def _corpus(name: str, value: Any) -> str | tuple[str, ...] | None:
    if isinstance(value, list | tuple):
        files = _string_list(name, value)
        return files or None
    return _optional_string(name, value)


def _boolean(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"rnnlens.{name} must be true or false, got {value!r}")
    return value


def _density(name: str, value: Any) -> str:
    value = DENSITY_ALIASES.get(value, value) if isinstance(value, str) else value
    if value not in DENSITIES:
        raise ValueError(f"rnnlens.{name} must be one of {', '.join(DENSITIES)}; got {value!r}")
    return str(value)


def _state(name: str, value: Any) -> str | None:
    if value is None or value in ("", "auto"):
        return None
    if value not in ("h", "c"):
        raise ValueError(f"rnnlens.{name} must be \"h\" (hidden state) or \"c\" (LSTM cell state); got {value!r}")
    return str(value)


def _reset(name: str, value: Any) -> str | None:
    if value is None or value in ("", "auto"):
        return None
    if value not in RESETS:
        raise ValueError(f"rnnlens.{name} must be one of auto, {', '.join(RESETS)}; got {value!r}")
    return str(value)


def _device(name: str, value: Any) -> str:
    from rnnlens.errors import RnnLensError
    from rnnlens.models.device import DEVICE_CHOICES, resolve_device

    if value not in DEVICE_CHOICES:
        raise ValueError(f"rnnlens.{name} must be one of {', '.join(DEVICE_CHOICES)}; got {value!r}")
    try:
        resolve_device(value)  # a GPU asked for where there is none is said now, not at the first evaluation
    except RnnLensError as exc:
        raise ValueError(f"rnnlens.{name}: {exc}") from None
    return str(value)


def _layer(name: str, value: Any) -> int | None:
    return None if value is None or value == "" else _positive_int(name, value)


# setting key -> (dataclass field, parser)
_FIELDS = {
    "model": ("model", _optional_string),
    "modelPaths": ("model_paths", _string_list),
    "corpus": ("corpus", _corpus),
    "layer": ("layer", _layer),
    "state": ("state", _state),
    "clusters": ("clusters", lambda n, v: _positive_int(n, v, 2, 64)),
    "inlayHints.density": ("inlay_density", _density),
    "inlayHints.enabled": ("inlay_enabled", _boolean),
    "hover.image": ("hover_image", _boolean),
    "hover.attribution": ("hover_attribution", _boolean),
    "hover.attributionWindow": ("hover_attribution_window",
                                lambda n, v: _positive_int(n, v, 1, MAX_HOVER_ATTRIBUTION_WINDOW)),
    "maxDocumentSize": ("max_document_size", lambda n, v: _positive_int(n, v, 1, MAX_TEXT_CHARS)),
    "reset": ("reset", _reset),
    "languages": ("languages", _string_list),
    "device": ("device", _device),
}


def apply_settings(base: Settings, raw: Any) -> tuple[Settings, list[str]]:
    """`base` updated with the keys present in `raw`; returns the new settings and a message per bad value.

    Unknown keys are reported too (a misspelt key would otherwise silently do nothing).
    """
    if raw is None:
        return base, []
    if not isinstance(raw, dict):
        return base, [f"RNN Lens settings must be an object, got {type(raw).__name__}"]
    changes: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in _flatten(raw).items():
        if key in CLIENT_ONLY_KEYS:
            continue
        if key not in _FIELDS:
            problems.append(f"unknown setting rnnlens.{key} (known: {', '.join(_FIELDS)})")
            continue
        attribute, parse = _FIELDS[key]
        try:
            changes[attribute] = parse(key, value)
        except ValueError as exc:
            problems.append(f"{exc}; keeping {getattr(base, attribute)!r}")
    return replace(base, **changes), problems


def split_initialization_only(raw: Any) -> tuple[Any, dict[str, Any]]:
    """`raw` without the INITIALIZATION_ONLY_KEYS, and those keys' values (for settings a workspace can fill)."""
    if not isinstance(raw, dict):
        return raw, {}
    flat = _flatten(raw)
    kept = {key: value for key, value in flat.items() if key not in INITIALIZATION_ONLY_KEYS}
    return kept, {key: value for key, value in flat.items() if key in INITIALIZATION_ONLY_KEYS}


def analysis_affected(old: Settings, new: Settings) -> bool:
    """Whether inlay hints/hovers change (the client should refresh them)."""
    keys = ("model", "model_paths", "corpus", "layer", "state", "clusters", "inlay_density", "inlay_enabled",
            "max_document_size", "languages", "hover_image", "reset", "hover_attribution",
            "hover_attribution_window")
    return any(getattr(old, key) != getattr(new, key) for key in keys)

"""Content hashes that key the cache: same weights + same corpus + same parameters = same entry."""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import os
from collections.abc import Callable, Iterable
from typing import Any


def text_hash(texts: Iterable[str]) -> str:
    """Hash of a corpus's document texts, in order (the document boundary is part of the content)."""
    digest = hashlib.sha256()
    for text in texts:
        data = text.encode("utf-8")
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()[:20]


def params_key(*parts: Any) -> str:
    """A short stable key of JSON-serialisable parts (hashes, names, numbers)."""
    blob = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:24]


@functools.lru_cache(maxsize=256)
def _file_hash(path: str, size: int, modified_ns: int) -> str:
    """Keyed by size and modification time too: a file edited while a server runs hashes anew."""
    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()[:12]
    except OSError:
        return "unreadable"


def file_identity(path: str) -> str:
    try:
        stat = os.stat(path)
    except OSError:
        return "unreadable"
    return _file_hash(path, stat.st_size, stat.st_mtime_ns)


def callable_identity(function: Callable[..., Any]) -> str:
    """`module.qualname@hash-of-its-source-file` (plus bound arguments of a partial).

    Keys a cache entry to the code that cut the text: editing a user's tokenize function (its
    file changes) or switching lower-casing (another function) gives another identity. Hashing
    the whole file is coarse on purpose: a change elsewhere in it only costs a recomputation.
    """
    extra = ""
    while isinstance(function, functools.partial):
        extra += f"({', '.join(map(repr, function.args))}; {sorted(function.keywords.items())!r})"
        function = function.func
    target = inspect.unwrap(function)
    if not (inspect.isfunction(target) or inspect.ismethod(target) or inspect.isbuiltin(target)):
        target = type(target)  # a callable object: its class's code decides
    name = f"{getattr(target, '__module__', '?')}.{getattr(target, '__qualname__', repr(target))}"
    try:
        source = inspect.getsourcefile(target)
    except TypeError:
        source = None
    digest = file_identity(source) if source else "builtin"
    return f"{name}{extra}@{digest}"

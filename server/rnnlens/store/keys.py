"""Content hashes that key the cache: same weights + same corpus + same parameters = same entry."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
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

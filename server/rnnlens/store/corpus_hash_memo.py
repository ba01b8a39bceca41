"""Corpus content hashes remembered across processes.

A statistics cache key needs the corpus's content hash, and hashing means reading the whole
corpus: 1.4 s for Brown, minutes for a researcher's 500 MB of JSON Lines, paid again by every new
process (each CLI command, each language-server start) before cached statistics can be found.
The hash is remembered here under what decides the content without reading it: each file's path,
size and modification time (for a named corpus, the files of its fetched folder), plus a hash of
the code that turns files into texts and texts into the hash, so a changed reader or splitter
never serves an old hash. An evaluation still reads the text and keys its result by what it read.

One small file per corpus in `<analysis cache>/corpus-hashes/` (at most MAX_ENTRIES, the oldest
written dropped first), written atomically; an unreadable
or malformed entry is read as "not remembered", and a cache folder that cannot be written just
means the corpus is hashed again next time.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from functools import cache
from pathlib import Path

FOLDER = "corpus-hashes"
MAX_ENTRIES = 1000  # every edit of a corpus file makes a new entry: the oldest beyond this go
_HASH = re.compile(r"^[0-9a-f]{20}$")  # store.keys.text_hash: 20 hex digits
# The modules whose code decides a corpus's texts and its hash.
_READERS = ("rnnlens.store.corpus_source", "rnnlens.store.keys", "rnnlens.data.corpora", "rnnlens.data.sources",
            "rnnlens.data.text_decoding")


@cache
def _readers_version() -> str:
    import importlib

    digest = hashlib.sha256()
    for name in _READERS:
        module = importlib.import_module(name)
        digest.update(Path(module.__file__ or "").read_bytes())
    return digest.hexdigest()[:16]


def _entry(root: Path, fingerprint: tuple[object, ...]) -> Path:
    key = hashlib.sha256(repr((_readers_version(), fingerprint)).encode("utf-8")).hexdigest()[:32]
    return root / FOLDER / key


def recall(root: Path, fingerprint: tuple[object, ...] | None) -> str | None:
    """The remembered content hash of the corpus with this durable fingerprint, or None."""
    if fingerprint is None:
        return None
    try:
        text = _entry(root, fingerprint).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text if _HASH.match(text) else None


def remember(root: Path, fingerprint: tuple[object, ...] | None, content_hash: str) -> None:
    """Keep `content_hash` for the fingerprint (silently nothing when the folder is not writable)."""
    if fingerprint is None or not _HASH.match(content_hash):
        return
    path = _entry(root, fingerprint)
    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(handle, "w", encoding="ascii") as out:
            out.write(content_hash + "\n")
        os.replace(temporary, path)
        _prune(path.parent)
    except OSError:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)


def _prune(folder: Path) -> None:
    """Delete the least recently written entries beyond MAX_ENTRIES (a write follows a whole corpus
    read, so listing the folder then costs nothing in comparison)."""
    entries = sorted((entry.stat().st_mtime_ns, entry.path) for entry in os.scandir(folder)
                     if entry.is_file() and not entry.name.startswith("."))
    for _, stale in entries[:max(0, len(entries) - MAX_ENTRIES)]:
        Path(stale).unlink(missing_ok=True)

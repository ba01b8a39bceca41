"""A folder of cache entries: `<kind>/<key>.npz` (arrays) + `<kind>/<key>.json` (metadata + checksum).

No pickle anywhere: arrays load with allow_pickle=False, everything else is JSON. The JSON is
written last and holds the SHA-256 of the npz file, so an interrupted write or a damaged file
is detected; a corrupt entry is reported, removed, and the caller recomputes. A folder that
cannot be used (read-only, another user's files, a folder where a file should be) is reported
once; the analysis then runs without caching.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

FORMAT = "rnnlens-cache-1"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        write(Path(temp))
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)


class AnalysisCache:
    """Arrays + JSON metadata under content-hash keys; `report` hears about corrupt entries."""

    def __init__(self, root: Path, report: Callable[[str], None] | None = None):
        self.root = Path(root)
        self.report = report or (lambda message: None)
        self._lock = threading.Lock()
        self._unusable_reported = False

    def _unusable(self, exc: OSError) -> None:
        """One notice for the whole folder: every later entry would fail the same way."""
        if not self._unusable_reported:
            self._unusable_reported = True
            where = f" ({exc.filename})" if exc.filename else ""
            self.report(f"the analysis cache {self.root} cannot be used: {exc.strerror or exc}{where}; "
                        "analysing without caching")

    def _paths(self, kind: str, key: str) -> tuple[Path, Path]:
        folder = self.root / kind
        return folder / f"{key}.npz", folder / f"{key}.json"

    def save(self, kind: str, key: str, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        npz_path, json_path = self._paths(kind, key)
        with self._lock:
            def write_arrays(path: Path) -> None:
                with path.open("wb") as handle:
                    np.savez(handle, **arrays)  # type: ignore[arg-type]

            try:
                _atomic_write(npz_path, write_arrays)
                record = {"format": FORMAT, "sha256": _sha256(npz_path), "meta": meta}

                def write_record(path: Path) -> None:
                    path.write_text(json.dumps(record), encoding="utf-8")

                _atomic_write(json_path, write_record)
            except OSError as exc:  # the result stands; only caching it failed
                self._unusable(exc)

    def load(self, kind: str, key: str) -> tuple[dict[str, np.ndarray], dict[str, Any]] | None:
        """The entry, or None when absent or corrupt (a corrupt one is reported and removed)."""
        npz_path, json_path = self._paths(kind, key)
        with self._lock:
            if not json_path.exists():
                return None
            try:
                record = json.loads(json_path.read_text(encoding="utf-8"))
                if not isinstance(record, dict) or record.get("format") != FORMAT:
                    raise ValueError("unknown format")
                if not npz_path.exists():
                    raise ValueError("its array file is missing")
                if _sha256(npz_path) != record.get("sha256"):
                    raise ValueError("its array file does not match the recorded checksum")
                with np.load(npz_path, allow_pickle=False) as data:
                    arrays = {name: data[name] for name in data.files}
                meta = record.get("meta", {})
            except OSError as exc:  # unreadable, not corrupt: leave it as it is
                self._unusable(exc)
                return None
            except (ValueError, UnicodeDecodeError, KeyError, EOFError) as exc:
                self.report(f"cache entry {json_path} is corrupt ({exc}); recomputing it")
                for path in (npz_path, json_path):
                    try:
                        path.unlink(missing_ok=True)
                    except OSError as unlink_error:  # a read-only folder keeps it; we recompute anyway
                        self._unusable(unlink_error)
                return None
            return arrays, meta

    def has(self, kind: str, key: str) -> bool:
        return self._paths(kind, key)[1].exists()

    def save_json(self, kind: str, key: str, value: Any) -> None:
        self.save(kind, key, {}, {"value": value})

    def load_json(self, kind: str, key: str) -> Any | None:
        entry = self.load(kind, key)
        return None if entry is None else entry[1].get("value")

"""A corpus's token ids, written while the first pass tokenises it and read back by later passes.

Evaluation reads a corpus at least twice (counting the words, then tracing them; a Ray run again
for the batches of a worker that died), and tokenising is not free: 1.8 s a pass for Brown's
1.2M tokens, against about 10 s of tracing. The first pass writes each document's ids (4 bytes a
token) and its length to two files as it makes them; later passes stream them back a document
at a time. Memory stays flat (nothing is held but the document being read), the text is read and
tokenised once, and every pass sees the very ids the first one made.

The files live in a folder of their own under the analysis cache (`spill/<pid>-<random>`), removed
when the evaluation ends, however it ends; folders left by a process that died are removed by
the next one. A folder that cannot be made, or a write that fails (a full disk), only means the
later passes tokenise again.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

FOLDER = "spill"
_IDS = np.dtype("<i4")
_LENGTHS = np.dtype("<i8")
_LENGTHS_READ = 4096  # document lengths read back at a time


class EncodedSpill:
    """Passes over encoded documents: the first is `encode()` recorded, later ones replay it."""

    def __init__(self, folder: Path | None):
        self.folder = folder  # None: nowhere to write, every pass encodes
        self.complete = False  # a whole first pass is on disk
        self.failed = folder is None

    def passes(self, encode: Callable[[], Iterator[np.ndarray]]) -> Iterator[np.ndarray]:
        """One pass over the documents: from the files once a pass was recorded, else `encode()`
        (recorded, unless writing failed before)."""
        if self.complete:
            return self._replay()
        if self.failed:
            return encode()
        return self._record(encode())

    def _paths(self) -> tuple[Path, Path]:
        assert self.folder is not None
        return self.folder / "ids.bin", self.folder / "lengths.bin"

    def _record(self, documents: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
        ids_path, lengths_path = self._paths()
        try:  # "wb": a pass that was left unfinished is recorded again from the start
            ids, lengths = ids_path.open("wb"), lengths_path.open("wb")
        except OSError:
            self.failed = True
            yield from documents
            return
        try:
            for document in documents:
                if not self.failed:
                    try:
                        ids.write(np.asarray(document, dtype=_IDS).tobytes())
                        lengths.write(np.array([len(document)], dtype=_LENGTHS).tobytes())
                    except OSError:  # a full disk: this pass goes on, later ones encode again
                        self.failed = True
                yield document
        finally:
            for handle in (ids, lengths):
                try:
                    handle.close()  # writes what is buffered: may meet the full disk only now
                except OSError:
                    self.failed = True
        self.complete = not self.failed

    def _replay(self) -> Iterator[np.ndarray]:
        ids_path, lengths_path = self._paths()
        with ids_path.open("rb") as ids, lengths_path.open("rb") as lengths:
            while True:
                counts = np.fromfile(lengths, dtype=_LENGTHS, count=_LENGTHS_READ)
                if counts.size == 0:
                    return
                for count in counts.tolist():
                    document = np.fromfile(ids, dtype=_IDS, count=count) if count else np.empty(0, dtype=_IDS)
                    if document.size != count:
                        raise OSError(f"the spilled token ids in {ids_path} end early")
                    yield document.astype(np.int32, copy=False)


@contextmanager
def encoded_spill(cache_root: Path | None) -> Iterator[EncodedSpill]:
    """An `EncodedSpill` in a fresh folder under `cache_root` (None: one that never writes),
    removed on exit."""
    folder = _new_folder(cache_root) if cache_root is not None else None
    try:
        yield EncodedSpill(folder)
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def _new_folder(cache_root: Path) -> Path | None:
    parent = Path(cache_root) / FOLDER
    try:
        parent.mkdir(parents=True, exist_ok=True)
        _remove_orphans(parent)
        return Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=parent))
    except OSError:
        return None


def _remove_orphans(parent: Path) -> None:
    """Folders of processes that no longer run (killed mid-evaluation) would stay forever."""
    for entry in parent.iterdir():
        pid, _, _ = entry.name.partition("-")
        if pid.isdigit() and int(pid) != os.getpid() and not _running(int(pid)):
            shutil.rmtree(entry, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True

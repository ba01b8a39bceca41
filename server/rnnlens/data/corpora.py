"""Corpora as documents: the fetched registry corpora, or the user's own text files.

A `Document` has its text (what the model reads, tokenised like editor text) and, where the
corpus has them, Brown's part-of-speech tags per token or a class label. Splits are
deterministic: a document's split follows from a hash of its id, not from a random state.
"""

from __future__ import annotations

import bz2
import csv
import hashlib
import io
import os
import stat
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rnnlens.data import sources
from rnnlens.data.text_decoding import decode_text
from rnnlens.errors import RnnLensError
from rnnlens.limits import MAX_TEXT_FILE_BYTES, TextTooLarge, check_text_size, size_limit_message

SPLITS = ("train", "valid", "test")
# Brown writes quotes as `` and ''; editor text has plain quotes.
_BROWN_QUOTES = {"``": '"', "''": '"'}


@dataclass
class Document:
    id: str
    text: str
    tagged: list[tuple[str, str]] | None = None  # Brown only: (word as written, coarse tag)
    label: str | None = None


@dataclass
class Corpus:
    name: str
    documents: list[Document]
    labels: list[str] = field(default_factory=list)

    def split(self, name: str) -> list[Document]:
        return split_documents(self)[name]


def split_of(doc_id: str, valid_share: int = 1, test_share: int = 1, parts: int = 10) -> str:
    """Deterministic split from a hash of the id: 10% test, 10% valid, 80% train by default."""
    bucket = int(hashlib.sha1(doc_id.encode("utf-8")).hexdigest(), 16) % parts
    if bucket < test_share:
        return "test"
    if bucket < test_share + valid_share:
        return "valid"
    return "train"


def split_documents(corpus: Corpus) -> dict[str, list[Document]]:
    out: dict[str, list[Document]] = {s: [] for s in SPLITS}
    for doc in corpus.documents:
        out[split_of(doc.id)].append(doc)
    return out


def brown_tag(raw: str) -> str:
    """Brown's tag without title/headline/foreign markers: `nn-tl` -> `nn`, `fw-nn` -> `nn`."""
    tag = raw.lower()
    if tag.startswith("fw-"):
        tag = tag[3:]
    for suffix in ("-tl", "-hl", "-nc"):
        tag = tag.replace(suffix, "")
    return tag.rstrip("*") or raw


def _load_brown(folder: Path) -> Corpus:
    docs = []
    for path in sorted(folder.glob("c[a-r][0-9][0-9]")):
        tagged: list[tuple[str, str]] = []
        lines = []
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            items = line.split()
            if not items:
                continue
            words = []
            for item in items:
                word, _, tag = item.rpartition("/")
                if not word:
                    continue
                word = _BROWN_QUOTES.get(word, word)
                words.append(word)
                tagged.append((word, brown_tag(tag)))
            lines.append(" ".join(words))
        docs.append(Document(id=f"brown/{path.name}", text="\n".join(lines), tagged=tagged))
    return Corpus("brown", docs)


def _load_sotu(folder: Path) -> Corpus:
    docs = [Document(id=f"sotu/{p.stem}", text=p.read_text(encoding="utf-8", errors="replace"))
            for p in sorted(folder.glob("*.txt"))]
    return Corpus("sotu", docs)


def _load_rotten(folder: Path) -> Corpus:
    path = folder / "rotten_tomatoes_corpus_full.csv.bz2"
    docs = []
    try:
        with bz2.open(path, "rb") as raw:
            for row in csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8")):
                category = row.get("category")
                if category not in ("fresh", "rotten"):
                    continue  # the file also holds plot summaries
                label = "positive" if category == "fresh" else "negative"
                text = row["text"].strip()
                docs.append(Document(id=f"rt/{hashlib.sha1(text.encode()).hexdigest()[:16]}", text=text,
                                     label=label))
    except (OSError, EOFError, csv.Error) as exc:
        raise RnnLensError(f"{path} is corrupt ({exc}); run `rnnlens data fetch rotten-tomatoes --force`") from exc
    return Corpus("rotten-tomatoes", docs, labels=["negative", "positive"])


_LOADERS = {"brown": _load_brown, "sotu": _load_sotu, "rotten-tomatoes": _load_rotten}
_CACHE: dict[str, Corpus] = {}


def load_corpus(name: str, fetch: bool = True) -> Corpus:
    """A named registry corpus, fetched into the cache on first use."""
    if name in _CACHE:
        return _CACHE[name]
    src = sources.source(name)
    if not sources.is_fetched(name):
        if not fetch:
            raise RnnLensError(f"corpus {name} is not fetched yet; run `rnnlens data fetch {name}`")
        sources.fetch(name)
    corpus = _LOADERS[name](src.folder())
    if not corpus.documents:
        raise RnnLensError(f"corpus {name} in {src.folder()} is empty; run `rnnlens data fetch {name} --force`")
    _CACHE[name] = corpus
    return corpus


def read_text_file(path: Path, max_bytes: int = 200_000_000) -> str:
    """A user's text file as UTF-8, checked before it is read: only a regular file of at most
    `max_bytes` is read (a device such as /dev/zero never ends, a FIFO blocks until a writer
    comes); binary or unreadable files get a clear error."""
    try:  # non-blocking: opening a FIFO must not wait for a writer before fstat can refuse it
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError as exc:
        raise RnnLensError(f"file not found: {path}") from exc
    except IsADirectoryError as exc:
        raise RnnLensError(f"{path} is a folder, not a text file") from exc
    except OSError as exc:
        raise RnnLensError(f"cannot open {path}: {exc.strerror or exc}") from exc
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise RnnLensError(f"{path} is a folder, not a text file")
        if not stat.S_ISREG(info.st_mode):
            raise RnnLensError(f"{path} is not a regular file ({_file_kind(info.st_mode)}); give a text file")
        if info.st_size > max_bytes:
            raise _too_large(path, info.st_size, max_bytes)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(max_bytes + 1)  # the file may have grown since fstat
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise _too_large(path, len(data), max_bytes)
    return decode_text(data, str(path))


def read_analysed_text(path: Path) -> str:
    """A text file to analyse, refused above the shared size limit (`rnnlens.limits`) with its message."""
    text = read_text_file(path, max_bytes=MAX_TEXT_FILE_BYTES)
    check_text_size(text, str(path))
    return text


def _too_large(path: Path, size: int, max_bytes: int) -> RnnLensError:
    if max_bytes == MAX_TEXT_FILE_BYTES:
        return TextTooLarge(size_limit_message(str(path), size, "bytes"))
    return RnnLensError(f"{path} has {size:,} bytes, more than the {max_bytes:,} bytes a corpus file may have")


def _file_kind(mode: int) -> str:
    kinds = ((stat.S_ISFIFO, "a FIFO or pipe"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))
    return next((name for test, name in kinds if test(mode)), "not a plain file")


def corpus_from_files(paths: Sequence[Path]) -> Corpus:
    docs = [Document(id=str(p), text=read_text_file(Path(p))) for p in paths]
    return Corpus("files", docs)


def majority_tags(corpus: Corpus) -> dict[str, str]:
    """The most frequent Brown tag of each lower-cased word (for word clouds and hover)."""
    from rnnlens.data.tokenizer import normalise

    counts: dict[str, Counter[str]] = {}
    for doc in corpus.documents:
        for word, tag in doc.tagged or ():
            counts.setdefault(normalise(word), Counter())[tag] += 1
    return {w: c.most_common(1)[0][0] for w, c in counts.items()}

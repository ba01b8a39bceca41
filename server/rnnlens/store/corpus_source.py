"""What to evaluate on: a named corpus (optionally `name:split`), text files (`.txt`, gzipped
`.gz`), JSON Lines with a text field (`data.jsonl#text`, also `.jsonl.gz`), folders of those,
globs (`shards/*.jsonl.gz`), or a list of any of these.

A named corpus means its held-out `test` split unless a split is given (`brown:valid`,
`brown:all`). Every input resolves to a stream of document texts, read lazily each time it is
iterated (never all held in memory), plus a content hash for the cache key, computed while
streaming. A text file is one document; a JSON Lines file is one document a line.
"""

from __future__ import annotations

import glob
import gzip
import io
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from rnnlens.data.text_decoding import decode_text
from rnnlens.errors import RnnLensError
from rnnlens.store.keys import text_hash

SPLIT_NAMES = ("train", "valid", "test", "all")
DEFAULT_TEXT_FIELD = "text"
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz")
FOLDER_SUFFIXES = (".txt", ".gz", ".jsonl")  # what a folder stands for (.gz covers .txt.gz and .jsonl.gz)
MAX_DOCUMENT_BYTES = 200_000_000  # one document (a text file, one JSON line) at most

DocumentStream = Callable[[], Iterator[str]]


@dataclass
class CorpusInput:
    label: str  # for messages and reports, e.g. "brown:test" or "2 files"
    documents: DocumentStream | None  # a fresh lazy stream of the texts each call; None: not kept
    content_hash: str
    name: str = ""  # the corpus without its split: "brown", a file, "2 files"
    split: str | None = None  # for a named corpus; None for files

    def __post_init__(self) -> None:
        if not self.name:
            self.name = self.label

    def texts(self) -> Iterator[str]:
        """The document texts, read as they are iterated."""
        if self.documents is None:
            raise RnnLensError(f"the texts of {self.label} were not kept; resolve the corpus again")
        return self.documents()


def hashing(texts: Iterator[str], done: Callable[[str], None]) -> Iterator[str]:
    """Pass the texts through, then hand their content hash (store.keys.text_hash) to `done`."""
    import hashlib

    digest = hashlib.sha256()
    for text in texts:
        data = text.encode("utf-8")
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
        yield text
    done(digest.hexdigest()[:20])


def _named_parts(spec: str) -> tuple[str, str]:
    """(name, split) of `name[:split]`; the held-out split when none is given."""
    name, _, split = spec.partition(":")
    return name, split or "test"


def _named(spec: str) -> CorpusInput:
    from rnnlens.data import corpora  # the corpus registry (fetches on first use)

    name, split = _named_parts(spec)
    if split not in SPLIT_NAMES:
        raise RnnLensError(f"unknown split {split!r} in corpus {spec!r}; use one of {', '.join(SPLIT_NAMES)}")
    try:
        corpus = corpora.load_corpus(name)
    except KeyError as exc:
        raise RnnLensError(f"unknown corpus {name!r}: give a corpus name (brown, sotu, rotten-tomatoes) "
                           f"or text files") from exc
    documents = corpus.documents if split == "all" else corpora.split_documents(corpus)[split]
    if not documents:
        raise RnnLensError(f"corpus {spec} has no documents in split {split}")
    # The named corpora are packaged and small; the registry holds them, so a stream is a view.
    return CorpusInput(f"{name}:{split}", lambda: (d.text for d in documents),
                       text_hash(d.text for d in documents), name=name, split=split)


@dataclass(frozen=True)
class _File:
    path: Path
    field: str | None  # a JSON Lines file's text field; None for a text file


def _open_bytes(path: Path) -> io.BufferedIOBase:
    try:
        return gzip.open(path, "rb") if path.name.endswith(".gz") else open(path, "rb")  # type: ignore[return-value]
    except OSError as exc:
        raise RnnLensError(f"cannot open {path}: {exc.strerror or exc}") from exc


def _read_gzip_text(path: Path) -> str:
    try:
        with _open_bytes(path) as handle:
            data = handle.read(MAX_DOCUMENT_BYTES + 1)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise RnnLensError(f"{path} is not a readable gzip file ({exc})") from exc
    if len(data) > MAX_DOCUMENT_BYTES:
        raise RnnLensError(f"{path} holds more than {MAX_DOCUMENT_BYTES:,} bytes of text: split it into "
                           f"several files or use JSON Lines (one document a line)")
    return decode_text(data, str(path))


def _jsonl_texts(item: _File) -> Iterator[str]:
    field = item.field or DEFAULT_TEXT_FIELD
    try:
        with _open_bytes(item.path) as handle:
            for number, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                where = f"{item.path} line {number}"
                try:
                    record = json.loads(decode_text(raw, where))
                except json.JSONDecodeError as exc:
                    raise RnnLensError(f"{where} is not JSON ({exc.msg})") from exc
                text = record.get(field) if isinstance(record, dict) else None
                if not isinstance(text, str):
                    raise RnnLensError(f"{where} has no text field {field!r} (name it: {item.path.name}#FIELD "
                                       f"or --text-field FIELD)")
                yield text
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise RnnLensError(f"cannot read {item.path} ({exc})") from exc


def _file_texts(item: _File) -> Iterator[str]:
    from rnnlens.data.corpora import read_text_file

    if item.field is not None:
        yield from _jsonl_texts(item)
        return
    text = _read_gzip_text(item.path) if item.path.name.endswith(".gz") else read_text_file(item.path)
    if not text.strip():
        raise RnnLensError(f"{item.path} is empty")
    yield text


def _is_jsonl(path: Path) -> bool:
    return path.name.endswith(JSONL_SUFFIXES)


def _split_field(spec: str, text_field: str | None) -> tuple[str, str | None]:
    """`data.jsonl#body` -> ("data.jsonl", "body"); a plain path keeps `text_field`."""
    path, hash_mark, field = spec.rpartition("#")
    if hash_mark and field and not Path(spec).expanduser().exists():
        return path, field
    return spec, text_field


def _expand(spec: str | Path, text_field: str | None) -> list[_File]:
    """A path, folder or glob as the files it stands for (folders recursively, sorted)."""
    raw, field = _split_field(str(spec), text_field)
    path = Path(raw).expanduser()
    if path.is_dir():
        found = sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith(FOLDER_SUFFIXES))
        if not found:
            raise RnnLensError(f"folder {path} holds no .txt files (nor .gz or .jsonl) to evaluate on")
        paths = found
    elif path.exists():
        paths = [path]
    elif glob.has_magic(raw):
        paths = sorted(Path(p) for p in glob.glob(str(path), recursive=True) if Path(p).is_file())
        if not paths:
            raise RnnLensError(f"no files match {raw}")
    else:
        raise RnnLensError(f"corpus file not found: {raw}")
    return [_File(p, (field or DEFAULT_TEXT_FIELD) if _is_jsonl(p) else None) for p in paths]


def _files(files: list[_File], label: str) -> CorpusInput:
    def stream() -> Iterator[str]:
        for item in files:
            yield from _file_texts(item)

    found: list[str] = []
    count = 0
    for _ in hashing(stream(), found.append):
        count += 1
    if count == 0:
        raise RnnLensError(f"{label} holds no documents")
    return CorpusInput(label, stream, found[0])


def _files_label(files: list[_File]) -> str:
    return str(files[0].path) if len(files) == 1 else f"{len(files)} files"


def _file_stamp(path: Path) -> tuple[int, int]:
    """What tells a file's content apart without reading it: (size, modification time)."""
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


def _looks_like_path(spec: str) -> bool:
    return ("/" in spec or spec.endswith((".txt", ".gz", ".jsonl")) or "#" in spec or glob.has_magic(spec)
            or Path(spec).expanduser().exists())


def resolve_corpus(corpus: str | Path | Sequence[Path | str], text_field: str | None = None) -> CorpusInput:
    """The corpus as a lazy stream of texts with its content hash (one streaming pass to hash it).

    `text_field`: the text field of JSON Lines files named without `#FIELD` (default "text")."""
    if isinstance(corpus, Path):
        corpus = str(corpus)
    if isinstance(corpus, str):
        if _looks_like_path(corpus):
            files = _expand(corpus, text_field)
            return _files(files, _files_label(files))
        return _named(corpus)
    specs = [str(p) for p in corpus]
    if not specs:
        raise RnnLensError("no corpus files given")
    if len(specs) == 1 and not _looks_like_path(specs[0]):
        return _named(specs[0])
    files = [item for spec in specs for item in _expand(spec, text_field)]
    return _files(files, _files_label(files))


def corpus_fingerprint(corpus: str | Path | Sequence[Path | str]) -> tuple[object, ...]:
    """What decides a corpus's content without reading it: the name (named corpora do not change
    within a process) or each file's path, size and modification time (and a JSON Lines field).
    Used to memoise content hashes, so a hover does not re-read a corpus to find its statistics."""
    out: list[object] = []
    for item in _items(corpus):
        if isinstance(item, str) and not _looks_like_path(item):
            out.append(item)
            continue
        try:
            out.extend(_file_stamps(item))
        except (OSError, RnnLensError):
            out.append(str(item))
    return tuple(out)


def _items(corpus: str | Path | Sequence[Path | str]) -> list[str | Path]:
    """The corpus choice as a list of names, paths, folders and globs."""
    return [corpus] if isinstance(corpus, str | Path) else list(corpus)


def _file_stamps(item: str | Path) -> list[tuple[object, ...]]:
    """Each file of a path, folder or glob: (resolved path, JSON Lines field, size, modification time)."""
    return [(str(f.path.resolve()), f.field, *_file_stamp(f.path)) for f in _expand(item, None)]


def describe_corpus(corpus: str | Path | Sequence[Path | str]) -> tuple[str, str, str | None]:
    """(label, name, split) as resolve_corpus would give them, without reading any text."""
    items = [str(item) for item in _items(corpus)]
    if len(items) == 1 and not _looks_like_path(items[0]):
        name, split = _named_parts(items[0])
        return f"{name}:{split}", name, split
    label = _files_label([item for spec in items for item in _expand(spec, None)])
    return label, label, None


def durable_fingerprint(corpus: str | Path | Sequence[Path | str]) -> tuple[object, ...] | None:
    """What decides the corpus's texts across processes, without reading them: a file's path, size
    and modification time (as corpus_fingerprint); for a named corpus its split and every file of
    its fetched folder. None when that cannot be told (not fetched, unknown name, missing file)."""
    from rnnlens.data import sources

    out: list[object] = []
    try:
        for item in _items(corpus):
            if isinstance(item, str) and not _looks_like_path(item):
                name, split = _named_parts(item)
                if name not in sources.SOURCES or not sources.is_fetched(name):
                    return None
                folder = sources.source(name).folder()
                files = sorted(p for p in folder.rglob("*") if p.is_file())
                out.append((name, split, str(folder.resolve()),
                            tuple((str(p.relative_to(folder)), *_file_stamp(p)) for p in files)))
                continue
            out.extend(_file_stamps(item))
    except (OSError, RnnLensError):
        return None
    return tuple(out)

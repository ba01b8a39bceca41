"""What to evaluate on: a named corpus (optionally `name:split`), a text file, a folder of .txt
files, or a list of paths.

A named corpus means its held-out `test` split unless a split is given (`brown:valid`,
`brown:all`). Every input resolves to document texts plus a content hash for the cache key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rnnlens.errors import RnnLensError
from rnnlens.store.keys import text_hash

SPLIT_NAMES = ("train", "valid", "test", "all")


@dataclass
class CorpusInput:
    label: str  # for messages and reports, e.g. "brown:test" or "2 files"
    texts: list[str]
    content_hash: str
    name: str = ""  # the corpus without its split: "brown", a file, "2 files"
    split: str | None = None  # for a named corpus; None for files

    def __post_init__(self) -> None:
        if not self.name:
            self.name = self.label


def _named(spec: str) -> CorpusInput:
    from rnnlens.data import corpora  # the corpus registry (fetches on first use)

    name, _, split = spec.partition(":")
    split = split or "test"
    if split not in SPLIT_NAMES:
        raise RnnLensError(f"unknown split {split!r} in corpus {spec!r}; use one of {', '.join(SPLIT_NAMES)}")
    try:
        corpus = corpora.load_corpus(name)
    except KeyError as exc:
        raise RnnLensError(f"unknown corpus {name!r}: give a corpus name (brown, sotu, rotten-tomatoes) "
                           f"or text files") from exc
    documents = corpus.documents if split == "all" else corpora.split_documents(corpus)[split]
    texts = [d.text for d in documents]
    if not texts:
        raise RnnLensError(f"corpus {spec} has no documents in split {split}")
    return CorpusInput(f"{name}:{split}", texts, text_hash(texts), name=name, split=split)


def _files(paths: Sequence[Path]) -> CorpusInput:
    from rnnlens.data.corpora import read_text_file

    texts = []
    for path in paths:
        text = read_text_file(Path(path))
        if not text.strip():
            raise RnnLensError(f"{path} is empty")
        texts.append(text)
    label = str(paths[0]) if len(paths) == 1 else f"{len(paths)} files"
    return CorpusInput(label, texts, text_hash(texts))


def _expand_folders(paths: list[Path]) -> list[Path]:
    """A folder stands for the .txt files inside it (recursively, sorted)."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*.txt") if p.is_file())
            if not found:
                raise RnnLensError(f"folder {path} holds no .txt files to evaluate on")
            out.extend(found)
        else:
            out.append(path)
    return out


def resolve_corpus(corpus: str | Path | Sequence[Path | str]) -> CorpusInput:
    if isinstance(corpus, Path):
        corpus = str(corpus)
    if isinstance(corpus, str):
        if Path(corpus).expanduser().exists():
            return _files(_expand_folders([Path(corpus).expanduser()]))
        if "/" in corpus or corpus.endswith(".txt"):
            raise RnnLensError(f"corpus file not found: {corpus}")
        return _named(corpus)
    paths = [Path(p).expanduser() for p in corpus]
    if not paths:
        raise RnnLensError("no corpus files given")
    if len(paths) == 1 and not paths[0].exists() and not str(paths[0]).endswith(".txt") and "/" not in str(paths[0]):
        return _named(str(paths[0]))
    return _files(_expand_folders(paths))


def corpus_fingerprint(corpus: str | Path | Sequence[Path | str]) -> tuple[object, ...]:
    """What decides a corpus's content without reading it: the name (named corpora do not change
    within a process) or each file's path, size and modification time. Used to memoise content
    hashes, so a hover does not re-read a corpus to find its statistics."""
    items = [corpus] if isinstance(corpus, str | Path) else list(corpus)
    out: list[object] = []
    for item in items:
        path = Path(item).expanduser()
        if not path.exists():
            out.append(str(item))
            continue
        try:
            found = sorted(path.rglob("*.txt")) if path.is_dir() else [path]
            out.extend((str(p.resolve()), p.stat().st_size, p.stat().st_mtime_ns) for p in found)
        except OSError:
            out.append(str(item))
    return tuple(out)

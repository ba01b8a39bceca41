"""Word <-> id mapping with reserved symbols, built from counts with min-count / max-size."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rnnlens.data.tokenizer import NUMBER_SYMBOL
from rnnlens.errors import RnnLensError

PAD = "<pad>"
UNK = "<unk>"
SPECIALS = (PAD, UNK, NUMBER_SYMBOL)


@dataclass
class Vocabulary:
    words: list[str]
    index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.index = {w: i for i, w in enumerate(self.words)}
        if UNK not in self.index:
            raise ValueError("a vocabulary needs the <unk> symbol")

    @property
    def unk_id(self) -> int:
        return self.index[UNK]

    @property
    def pad_id(self) -> int:
        return self.index.get(PAD, 0)

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: str) -> bool:
        return word in self.index

    def id_of(self, word: str) -> int:
        return self.index.get(word, self.unk_id)

    def encode(self, norms: Sequence[str]) -> list[int]:
        unk = self.unk_id
        get = self.index.get
        return [get(w, unk) for w in norms]

    @classmethod
    def build(cls, counts: Counter[str], min_count: int = 1, max_size: int | None = None) -> Vocabulary:
        """Most frequent words first (ties broken alphabetically, so builds are deterministic)."""
        ranked = sorted((w for w, c in counts.items() if c >= min_count and w not in SPECIALS),
                        key=lambda w: (-counts[w], w))
        if max_size is not None:
            ranked = ranked[: max(0, max_size - len(SPECIALS))]
        return cls(list(SPECIALS) + ranked)

    @classmethod
    def from_tokens(cls, tokens: Iterable[str], min_count: int = 1, max_size: int | None = None) -> Vocabulary:
        return cls.build(Counter(tokens), min_count, max_size)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.words, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Vocabulary:
        try:
            words = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise RnnLensError(f"vocabulary file not found: {path}") from exc
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise RnnLensError(f"vocabulary file {path} is not a JSON list of words: {exc}") from exc
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise RnnLensError(f"vocabulary file {path} must hold a JSON list of strings")
        if UNK not in words:
            raise RnnLensError(f"vocabulary file {path} lacks the {UNK} symbol")
        if len(set(words)) != len(words):
            raise RnnLensError(f"vocabulary file {path} lists a word twice")
        return cls(words)

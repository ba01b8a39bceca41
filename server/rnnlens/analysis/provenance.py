"""What a number was computed from: one record that travels with every result.

A statistic is only as good as the data behind it, so each result names the model (and a
short hash of its weights), the statistics it used (corpus, split, tokens, distinct words,
share of unknown words), the tokenizer that cut the text, and the engine version. The CLI prints
it as a header, `--json` carries it as `provenance`, the hover shows a one-line footer and the
panel a status line. See docs/analysis.md, "Provenance".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from rnnlens.analysis.response_stats import ResponseStats

# Bump when the statistics change meaning: it is part of every cache key and of provenance.
# 2: keys cover the tokenizer; statistics are chosen per corpus (no "latest evaluated" pointer).
ENGINE_VERSION = 2
UNKNOWN_WARNING = 0.20  # above this share of unknown tokens the text is out of the model's domain
WEIGHTS_HASH_SHOWN = 12  # hex digits: enough to tell models apart in a report, short enough to read
ANALYSED_TEXT = "the analysed text"  # the corpus label of stand-in statistics made from the text itself


@dataclass(frozen=True)
class Provenance:
    """Where a result's statistics come from (see the module docstring)."""

    model: str
    weights: str  # short hash of the weights and vocabulary
    corpus: str  # a corpus name, a file, "N files", or ANALYSED_TEXT
    split: str | None  # train / valid / test / all for a named corpus; None for files
    tokens: int
    distinct_words: int  # vocabulary words seen at least once (not counting the unknown symbol)
    unknown_rate: float  # share of tokens the model's vocabulary does not have
    tokenizer: str  # qualified name @ hash of its source file
    engine_version: int = ENGINE_VERSION
    # Where the numbers were made when not on this machine: "shipped with the sample" (store/shipped_stats.py).
    origin: str | None = None

    @property
    def corpus_label(self) -> str:
        return f"{self.corpus}:{self.split}" if self.split else self.corpus

    @property
    def out_of_domain(self) -> bool:
        return self.unknown_rate > UNKNOWN_WARNING

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["unknown_rate"] = round(self.unknown_rate, 6)
        if self.origin is None:  # optional on the wire (protocol/messages.json): absent, not null
            del out["origin"]
        return out

    @classmethod
    def from_json(cls, value: Any) -> Provenance | None:
        """The record back from `to_json` (None for anything else: provenance is never invented)."""
        if not isinstance(value, dict):
            return None
        try:
            return cls(model=str(value["model"]), weights=str(value["weights"]), corpus=str(value["corpus"]),
                       split=None if value.get("split") is None else str(value["split"]),
                       tokens=int(value["tokens"]), distinct_words=int(value["distinct_words"]),
                       unknown_rate=float(value["unknown_rate"]), tokenizer=str(value["tokenizer"]),
                       engine_version=int(value["engine_version"]),
                       origin=None if value.get("origin") is None else str(value["origin"]))
        except (KeyError, TypeError, ValueError):
            return None

    @classmethod
    def carried_by(cls, extra: dict[str, Any]) -> Provenance | None:
        """The record a result carries in its `extra` (co-clustering, text analysis), or None."""
        return cls.from_json(extra.get("provenance"))

    def statistics_line(self) -> str:
        """`brown:test, 116,062 tokens, 5,010 distinct words, 2.9% unknown`."""
        return (f"{self.corpus_label}, {self.tokens:,} tokens, {self.distinct_words:,} distinct words, "
                f"{self.unknown_rate:.1%} unknown")

    def header(self) -> str:
        """The CLI's text header: two lines a reader can cite."""
        origin = f" ({self.origin})" if self.origin else ""
        return (f"# statistics: {self.statistics_line()}{origin}\n"
                + ModelProvenance(self.model, self.weights, self.tokenizer, self.engine_version).header())

    def short(self) -> str:
        """The hover footer: one short line."""
        return (f"stats {self.corpus_label} · {_compact(self.tokens)} tokens · {self.unknown_rate:.1%} unknown · "
                f"{self.model}@{self.weights[:8]} · engine {self.engine_version}"
                + (f" · {self.origin}" if self.origin else ""))

    def unknown_warning(self) -> str | None:
        """A warning when the statistics' text is mostly unknown to the model, else None."""
        if not self.out_of_domain:
            return None
        return (f"{self.unknown_rate:.0%} of the tokens of {self.corpus_label} are unknown to model {self.model} "
                f"(more than {UNKNOWN_WARNING:.0%}): out-of-domain text, its statistics say little about the model")


@dataclass(frozen=True)
class ModelProvenance:
    """What a result that uses no corpus statistics was computed from (e.g. `rnnlens attribute`):
    the model, its weights, the tokenizer and the engine."""

    model: str
    weights: str  # short hash of the weights and vocabulary
    tokenizer: str
    engine_version: int = ENGINE_VERSION

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def header(self) -> str:
        return f"# model {self.model} (weights {self.weights}), tokenizer {self.tokenizer}, engine {self.engine_version}"


def _compact(count: int) -> str:
    if count >= 1_000_000:
        return f"{count / 1e6:.1f}M"
    if count >= 10_000:
        return f"{count / 1e3:.0f}k"
    return f"{count:,}"


def unknown_rate(stats: ResponseStats, unk_id: int) -> float:
    """Share of the evaluated tokens that were the unknown symbol."""
    row = stats.row_of(unk_id)
    if row is None or stats.tokens <= 0:
        return 0.0
    return float(stats.count[row]) / float(stats.tokens)


def distinct_words(stats: ResponseStats, excluded_ids: set[int]) -> int:
    seen = stats.count > 0
    if excluded_ids:
        seen &= ~np.isin(stats.row_ids, list(excluded_ids))
    return int(seen.sum())


def rate_of_unknown(ids: list[int], unk_id: int) -> float:
    """Share of unknown ids in one encoded text (what `analyze` reports for its file)."""
    return sum(1 for i in ids if i == unk_id) / len(ids) if ids else 0.0

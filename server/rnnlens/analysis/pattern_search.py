"""Pattern search on a text selection: the hypothesis of the selected span (select) and the corpus
spans that match it (match), as typed records for the CLI, the language server and the panel.

The selection is traced in its context: from the start of its unit of text (a line for a
classifier, the whole text for a language model; text_units.py), so its states are those the
analysis of the whole text shows.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from rnnlens.analysis.pattern_index import INDEX_THRESHOLDS, PATTERN_INDEX_BYTES, PatternIndex
from rnnlens.analysis.pattern_match import PatternMatch, hypothesis_units, match_units
from rnnlens.analysis.provenance import Provenance
from rnnlens.analysis.text_units import resolve_reset, unit_starts
from rnnlens.errors import RnnLensError
from rnnlens.models.loaded import LoadedModel

AUTO_MIN_UNITS = 3  # the automatic threshold is the highest that keeps this many units on, if any does
PREVIEW_CONTEXT = 60  # characters of context shown either side of a match


@dataclass(frozen=True)
class PatternQuery:
    state: str  # `layer2.c`
    threshold: float
    units: list[int]  # the hypothesis: units on over every selected token
    tokens: list[str]  # the selected tokens
    start: int  # character offsets of the selected tokens in the query text
    end: int

    def to_json(self) -> dict[str, Any]:
        return {"state": self.state, "threshold": self.threshold, "units": self.units, "tokens": self.tokens,
                "start": self.start, "end": self.end}


@dataclass(frozen=True)
class MatchedSpan:
    rank: int
    document: int  # index of the document in the corpus (0-based)
    start: int  # character offsets of the span in its document
    end: int
    text: str  # the span as it stands in its document
    tokens: list[str]
    score: float
    jaccard: float
    shared: int  # hypothesis units on over the whole span
    before: str  # context preceding the span, on its line
    after: str
    pos: list[str] | None = None  # each token's majority Brown tag ("?" where Brown lacks the word)

    def to_json(self) -> dict[str, Any]:
        return {"rank": self.rank, "document": self.document, "start": self.start, "end": self.end,
                "text": self.text, "tokens": self.tokens, "score": round(self.score, 6),
                "jaccard": round(self.jaccard, 6), "shared": self.shared, "before": self.before, "after": self.after,
                "pos": self.pos}


@dataclass(frozen=True)
class PatternSearch:
    model: str
    corpus: str
    query: PatternQuery
    matches: list[MatchedSpan]
    provenance: Provenance
    extra: dict[str, Any] = field(default_factory=dict)

    def tags_unknown(self) -> bool:
        """No match has part-of-speech tags (the Brown corpus is not fetched): say POS_UNKNOWN."""
        return bool(self.matches) and all(m.pos is None for m in self.matches)

    def coverage(self) -> str | None:
        """"searched the first N of M tokens" when the corpus was longer than the pattern index's limit."""
        searched = self.extra.get("searched") or {}
        tokens, total = searched.get("tokens"), searched.get("corpus_tokens")
        if tokens is None or total is None or tokens >= total:
            return None
        return (f"searched the first {tokens:,} of {total:,} tokens of {self.corpus} "
                f"(the pattern index holds at most {PATTERN_INDEX_BYTES // 2**20} MiB)")

    def to_json(self) -> dict[str, Any]:
        return {"model": self.model, "corpus": self.corpus, "query": self.query.to_json(),
                "matches": [m.to_json() for m in self.matches], "provenance": self.provenance.to_json(), **self.extra}


def select(model: LoadedModel, text: str, start: int, end: int, state: str, threshold: float | None,
           reset: str | None = None) -> PatternQuery:
    """The hypothesis of the tokens of `text` that overlap [start, end) (character offsets). Threshold
    None: the highest indexed threshold that AUTO_MIN_UNITS units (else one) stay above over the span."""
    tokens = model.tokenize(text)
    chosen = [i for i, t in enumerate(tokens) if t.start < end and t.end > start]
    if not chosen:
        raise RnnLensError(f"the range {start}:{end} holds no token to search for")
    first, last = chosen[0], chosen[-1]
    starts = unit_starts(text, [t.start for t in tokens], resolve_reset(reset, model.task))
    origin = int(starts[np.searchsorted(starts, first, side="right") - 1])
    ids = torch.tensor([model.encode(tokens[origin:last + 1])], dtype=torch.long)
    trace = model.trace(ids, outputs=False, names=[state])
    states = trace[state][0, first - origin:].numpy()
    if threshold is None:  # one unit on is a weak hypothesis (it matches everywhere it is on): prefer a few
        sizes = {t: hypothesis_units(states, t).size for t in sorted(INDEX_THRESHOLDS, reverse=True)}
        threshold = next((t for t, n in sizes.items() if n >= AUTO_MIN_UNITS),
                         next((t for t, n in sizes.items() if n), min(INDEX_THRESHOLDS)))
    units = hypothesis_units(states, threshold)
    return PatternQuery(state, threshold, [int(u) for u in units], [tokens[i].text for i in chosen],
                        tokens[first].start, tokens[last].end)


# Said where the shared parts of speech would be when no match has tags (explanations.POS_SOURCE).
POS_UNKNOWN = "parts of speech: not known (they are the Brown corpus's majority tags: rnnlens data fetch brown)"


def shared_patterns(matches: list[MatchedSpan], top: int = 3) -> list[dict[str, Any]]:
    """The part-of-speech sequences the matches share most, with how many matches have each."""
    counts = Counter(" ".join(m.pos) for m in matches if m.pos)
    return [{"pattern": pattern, "matches": n} for pattern, n in counts.most_common(top)]


def find_matches(index: PatternIndex, query: PatternQuery, top: int = 20) -> list[PatternMatch]:
    """The `top` corpus spans (documents and token positions) that match `query`, best first."""
    return match_units(index, query.state, query.threshold, np.array(query.units, dtype=np.int64),
                       len(query.tokens), top)


def matched_spans(model: LoadedModel, found: list[PatternMatch], texts: dict[int, str]) -> list[MatchedSpan]:
    """The matches with their text and some context; `texts` holds the documents they are in."""
    out = []
    tokenized: dict[int, list[Any]] = {}
    for rank, match in enumerate(found, start=1):
        text = texts[match.doc]
        if match.doc not in tokenized:
            tokenized[match.doc] = model.tokenize(text)
        tokens = tokenized[match.doc][match.start:match.stop]
        start, end = tokens[0].start, tokens[-1].end
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", end)
        line_end = len(text) if line_end < 0 else line_end
        before = text[max(line_start, start - PREVIEW_CONTEXT):start]
        after = text[end:min(line_end, end + PREVIEW_CONTEXT)]
        out.append(MatchedSpan(rank, match.doc, start, end, text[start:end], [t.text for t in tokens], match.score,
                               match.jaccard,
                               match.shared, before, after))
    return out

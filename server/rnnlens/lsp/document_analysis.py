"""Each open document's analysis state: its tokens (reused across edits, see retokenize.py) and its
state timeline (states recomputed only after an edit, see incremental.py), and `Prepared`, one
request's consistent view of both. Stale entries are never served: a request checks its snapshot."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rnnlens.analysis.model_outputs import step_outputs
from rnnlens.analysis.text_units import reset_mask, resolve_reset, unit_starts
from rnnlens.data.tokenizer import Token, tokenize
from rnnlens.lsp.clusters import LabelsKey
from rnnlens.lsp.documents import DocumentStore, Snapshot
from rnnlens.lsp.incremental import Stale, StateTimeline
from rnnlens.lsp.model_choice import View
from rnnlens.lsp.retokenize import retokenize
from rnnlens.models.loaded import LoadedModel


@dataclass
class Prepared:
    """One request's consistent view of a document: snapshot, tokens, states, clusters."""

    snapshot: Snapshot
    model: LoadedModel
    tokens: list[Token]  # text and norm only: offsets of reused tokens are stale, use `starts`/`ends`
    starts: np.ndarray  # (N,) code-point offsets into snapshot.text
    ends: np.ndarray
    ids: np.ndarray
    timeline: StateTimeline
    view: View
    labels: np.ndarray | None
    should_stop: Callable[[], bool]
    resets: np.ndarray | None = None  # (N,) bool: the state restarts before the token (rnnlens.reset)
    labels_key: LabelsKey | None = None  # names `labels` in caches of glyphs (never id() of the array)

    def token_at(self, offset: int) -> int | None:
        """Index of the token that covers `offset` (None between tokens)."""
        index = int(np.searchsorted(self.starts, offset, side="right")) - 1
        if index >= 0 and offset < self.ends[index]:
            return index
        return None

    def tokens_in(self, start: int, end: int) -> range:
        """Indices of tokens that overlap the code-point span [start, end)."""
        first = int(np.searchsorted(self.ends, start, side="right"))
        last = int(np.searchsorted(self.starts, end, side="left"))
        return range(first, max(first, last))

    def span(self, index: int) -> tuple[int, int]:
        return int(self.starts[index]), int(self.ends[index])

    def check(self) -> None:
        if self.should_stop():
            raise Stale()

    def output_after(self, top_hidden: np.ndarray, top_k: int = 5) -> dict[str, Any]:
        """The model's output after a token from its top layer's state: next-word top-k (LM) or class
        probabilities (classifier); {} for a model without a head."""
        outputs = step_outputs(self.model, np.asarray(top_hidden, dtype=np.float32).reshape(1, -1), top_k)
        if outputs.kind == "none":
            return {}
        return {"kind": outputs.kind, "items": outputs.items(0)}


@dataclass
class Tokenised:
    snapshot: Snapshot
    model_name: str
    tokens: list[Token]
    starts: np.ndarray
    ends: np.ndarray
    ids: np.ndarray
    _resets: dict[str, np.ndarray] = field(default_factory=dict)  # reset mode -> (N,) restart mask

    def resets(self, setting: str | None, model: LoadedModel) -> np.ndarray | None:
        """Where the state restarts (rnnlens.reset; by default per line for a classifier), once per snapshot."""
        reset = resolve_reset(setting, model.task)
        if reset == "none":
            return None
        if reset not in self._resets:
            starts = unit_starts(self.snapshot.text, self.starts, reset)
            self._resets[reset] = reset_mask(starts, len(self.ids))
        return self._resets[reset]


class DocumentAnalyses:
    def __init__(self, documents: DocumentStore):
        self._documents = documents
        self._lock = threading.Lock()
        self._tokenised: dict[str, Tokenised] = {}
        self._timelines: dict[str, StateTimeline] = {}

    def forget(self, uri: str) -> None:
        with self._lock:
            self._timelines.pop(uri, None)
            self._tokenised.pop(uri, None)

    def clear(self) -> None:
        """Another model: nothing computed for the old one applies."""
        with self._lock:
            self._timelines.clear()
            self._tokenised.clear()

    def timeline(self, uri: str, model: LoadedModel, keep: set[str]) -> StateTimeline:
        """`uri`'s timeline of `model`, keeping at least the states `keep` (a new one otherwise)."""
        with self._lock:
            timeline = self._timelines.get(uri)
            if timeline is None or timeline.model is not model or not keep <= timeline.keep:
                timeline = self._timelines[uri] = StateTimeline(model, keep)
            return timeline

    def tokenise(self, snapshot: Snapshot, model: LoadedModel, use_cache: bool = True) -> Tokenised:
        with self._lock:
            cached = self._tokenised.get(snapshot.uri)
        if cached is not None and (not use_cache or cached.model_name != model.name):
            cached = None
        if cached is not None and cached.snapshot is snapshot:
            return cached
        if cached is not None and model.tokenizer is tokenize:  # reuse what the edit did not reach
            change = retokenize(cached.snapshot.text, cached.starts, cached.ends, snapshot.text, tokenize)
            kept, tail, middle = change.kept, change.tail, change.middle
            tokens = cached.tokens[:kept] + middle + cached.tokens[tail:]
            ids = np.concatenate([cached.ids[:kept], np.asarray(model.encode(middle), dtype=np.int64),
                                  cached.ids[tail:]])
            starts = np.concatenate([cached.starts[:kept], np.array([t.start for t in middle], dtype=np.int64),
                                     cached.starts[tail:] + change.shift])
            ends = np.concatenate([cached.ends[:kept], np.array([t.end for t in middle], dtype=np.int64),
                                   cached.ends[tail:] + change.shift])
        else:
            tokens = model.tokenize(snapshot.text)
            ids = np.asarray(model.encode(tokens), dtype=np.int64)
            starts = np.array([t.start for t in tokens], dtype=np.int64)
            ends = np.array([t.end for t in tokens], dtype=np.int64)
        made = Tokenised(snapshot, model.name, tokens, starts, ends, ids)
        with self._lock:
            if use_cache and self._documents.is_current(snapshot):
                self._tokenised[snapshot.uri] = made
        return made

"""Binarised hidden states of every corpus token, for pattern search (LSTMVis' select/match).

During evaluation each token's state vector is binarised at a few fixed thresholds (unit on =
state above the threshold) and packed into bitsets (np.packbits), one row of 8-byte words a
token, so a query is a few vectorised AND + popcount passes over the corpus. Rows are kept in
corpus order (document, position), whatever order the evaluation batched them in; `doc_starts`
maps a row back to its document. Memory: thresholds x units / 8 bytes a token and state
(5 x 150 units: 120 bytes with padding to whole 64-bit words), so the index covers at most the
corpus's first PATTERN_INDEX_BYTES worth of tokens (index_token_limit) and stays that size
however long the corpus is; `corpus_tokens` says how many there were.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

# Fixed at evaluation so a query never re-traces the corpus: a threshold not indexed is refused
# with the list of those that are. 0.3 is LSTMVis' default; the low ones are for models whose
# states stay small (rt-gru's h lies within +-0.2 for 90 % of tokens).
INDEX_THRESHOLDS = (0.05, 0.1, 0.2, 0.3, 0.5)
# The index's size, whatever the corpus's: 2.1M tokens of a 2 x 150 LSTM (its c states), 600k of
# 2 x 650, 280k of 2 x 1,500; tokens beyond are evaluated but not searchable (docs/analysis.md).
PATTERN_INDEX_BYTES = 512 * 2**20
_KEY_BYTES = 8  # the builder's document << 32 | position key of each token
_NO_LIMIT = np.iinfo(np.int64).max


def packed_width(units: int) -> int:
    """Bytes a token's bitset takes: units rounded up to whole 64-bit words."""
    return 8 * max(1, (units + 63) // 64)


def pack_on(states: np.ndarray, threshold: float) -> np.ndarray:
    """(n, units) states -> (n, packed_width) uint8 bitsets of `state > threshold`."""
    bits = np.packbits(states > threshold, axis=1)
    width = packed_width(states.shape[1])
    if bits.shape[1] < width:
        bits = np.pad(bits, ((0, 0), (0, width - bits.shape[1])))
    return bits


def token_bytes(units: dict[str, int], thresholds: tuple[float, ...] = INDEX_THRESHOLDS) -> int:
    """Bytes one token takes in the builder: its key and every state's bitsets at every threshold."""
    return _KEY_BYTES + len(thresholds) * sum(packed_width(n) for n in units.values())


def index_token_limit(units: dict[str, int], thresholds: tuple[float, ...] = INDEX_THRESHOLDS,
                      budget: int | None = None) -> int:
    """How many of the corpus's first tokens the index covers: as many as fit in `budget` bytes
    (default PATTERN_INDEX_BYTES)."""
    return max(1, (PATTERN_INDEX_BYTES if budget is None else budget) // token_bytes(units, thresholds))


@dataclass
class PatternIndex:
    """`bits[name]`: (thresholds, tokens, packed_width) uint8; `doc_starts`: first row of each document
    and the total at the end; `units[name]`: units per state."""

    thresholds: tuple[float, ...]
    bits: dict[str, np.ndarray]
    units: dict[str, int]
    doc_starts: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def tokens(self) -> int:
        """Tokens indexed: the corpus's first `tokens` (all of it unless it held more than the limit)."""
        return int(self.doc_starts[-1])

    @property
    def corpus_tokens(self) -> int:
        """Tokens of the corpus the index was built from, indexed or not."""
        return int(self.meta.get("corpus_tokens", self.tokens))

    def threshold_slot(self, threshold: float) -> int:
        for slot, known in enumerate(self.thresholds):
            if abs(known - threshold) < 1e-9:
                return slot
        raise ValueError(f"threshold {threshold:g} is not indexed; the index holds "
                         f"{', '.join(f'{t:g}' for t in self.thresholds)}")

    def words64(self, name: str, threshold: float) -> np.ndarray:
        """(tokens, words) uint64 view of one state's bitsets at one threshold."""
        plane = self.bits[name][self.threshold_slot(threshold)]
        return np.ascontiguousarray(plane).view(np.uint64)

    def locate(self, row: int) -> tuple[int, int]:
        """(document, token position in it) of a corpus row."""
        doc = int(np.searchsorted(self.doc_starts, row, side="right")) - 1
        return doc, row - int(self.doc_starts[doc])

    def to_arrays(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        arrays = {f"bits/{name}": value for name, value in self.bits.items()}
        arrays["doc_starts"] = self.doc_starts
        return arrays, {"thresholds": list(self.thresholds), "units": self.units, **self.meta}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> PatternIndex:
        bits = {key.split("/", 1)[1]: value for key, value in arrays.items() if key.startswith("bits/")}
        thresholds = tuple(float(t) for t in meta["thresholds"])
        units = {str(k): int(v) for k, v in meta["units"].items()}
        doc_starts = np.asarray(arrays["doc_starts"], dtype=np.int64)
        for name, value in bits.items():
            if name not in units or value.dtype != np.uint8 or value.shape != (
                    len(thresholds), int(doc_starts[-1]), packed_width(units[name])):
                raise ValueError(f"pattern bits of {name} have shape {value.shape}")
        extra = {k: v for k, v in meta.items() if k not in ("thresholds", "units")}
        return cls(thresholds, bits, units, doc_starts, extra)


@dataclass
class IndexPart:
    """What a builder collected since it last gave a part (`PatternIndexBuilder.take_part`): each
    token's (document << 32 | position) key, its bitsets per state (thresholds, tokens, width), and
    how many tokens were offered, indexed or not. Parts of builders fed disjoint windows add up
    (`absorb`) to the builder that was fed them all: a distributed evaluation's index."""

    keys: np.ndarray
    bits: dict[str, np.ndarray]
    seen: int

    def copied(self) -> IndexPart:
        """The same part in arrays of its own (a part read from shared memory is only a view)."""
        return IndexPart(self.keys.copy(), {name: bits.copy() for name, bits in self.bits.items()}, self.seen)


class PatternIndexBuilder:
    """Collects bitsets window by window during evaluation (`add_window`), then sorts them into
    corpus order (`finish`).

    Holds at most the corpus's first `max_tokens` tokens (in corpus order, whatever order the
    windows come in) plus one eighth as slack: when it holds more, it keeps the `max_tokens`
    smallest (document, position) keys and from then on refuses every key above them, so a later
    window of a later document costs one comparison a token. Documents arrive in order up to a
    buffer of them (evaluation.indexed_batches), so little is packed only to be dropped.
    """

    def __init__(self, units: dict[str, int], thresholds: tuple[float, ...] = INDEX_THRESHOLDS,
                 max_tokens: int | None = None):
        self.units = dict(units)
        self.thresholds = tuple(thresholds)
        self.max_tokens = index_token_limit(self.units, self.thresholds) if max_tokens is None else int(max_tokens)
        if self.max_tokens < 1:
            raise ValueError(f"max_tokens must be at least 1, got {max_tokens}")
        self.seen = 0  # tokens offered, indexed or not: the corpus's length once evaluation is done
        self._slack = max(1, self.max_tokens // 8)
        self._limit = _NO_LIMIT  # keys (document << 32 | position) at or above it are not indexed
        self._held = 0
        self._keys: list[np.ndarray] = []  # one per token
        self._bits: dict[str, list[np.ndarray]] = {name: [] for name in units}

    @property
    def nbytes(self) -> int:
        """Bytes of keys and bitsets held now."""
        return sum(k.nbytes for k in self._keys) + sum(b.nbytes for chunks in self._bits.values() for b in chunks)

    def add_window(self, doc_ids: np.ndarray, start: int, lengths: torch.Tensor,
                   states: dict[str, torch.Tensor]) -> None:
        """One trace window: `doc_ids` (batch,) document numbers, `start` the window's first position,
        `lengths` (batch,) real steps per row, `states[name]` (batch, time, units)."""
        batch, steps = next(iter(states.values())).shape[:2]
        real = lengths.numpy().astype(np.int64)
        if int(real.sum()) == 0:
            return
        full = bool((real == steps).all())  # no padding (most windows): views, no gather
        if full:
            rows = np.repeat(np.arange(batch), steps)
            cols = np.tile(np.arange(steps), batch)
        else:
            mask = torch.arange(steps)[None, :] < lengths[:, None]
            rows, cols = (m.numpy() for m in torch.nonzero(mask, as_tuple=True))
        keys = (doc_ids[rows].astype(np.int64) << 32) | (cols + start).astype(np.int64)
        self.seen += int(keys.size)
        kept = keys < self._limit
        if not kept.any():
            return
        every = bool(kept.all())
        self._keys.append(keys if every else keys[kept])
        for name, units in self.units.items():
            values = (states[name].reshape(-1, units) if full else states[name][mask]).numpy()
            if not every:
                values = values[kept]
            packed = np.zeros((len(self.thresholds), values.shape[0], packed_width(units)), dtype=np.uint8)
            used = (units + 7) // 8
            for slot, threshold in enumerate(self.thresholds):
                packed[slot, :, :used] = np.packbits(values > threshold, axis=1)
            self._bits[name].append(packed)
        self._held += int(self._keys[-1].size)
        if self._held > self.max_tokens + self._slack:
            self._keep_first(self.max_tokens)

    @property
    def refusing_from(self) -> int | None:
        """The key (document << 32 | position) from which on tokens are refused; None while all are taken."""
        return None if self._limit == _NO_LIMIT else self._limit

    def refuse_from(self, key: int | None) -> None:
        """Refuse tokens with keys at or above `key` too: another builder (a distributed evaluation's
        driver) already holds `max_tokens` tokens before it, so none of them can be indexed."""
        if key is not None:
            self._limit = min(self._limit, int(key))

    def take_part(self) -> IndexPart:
        """Everything collected since the last part (then forgotten here). The limit stays: a key
        refused here is above `max_tokens` keys this builder has seen, so no corpus-first index holds it."""
        keys = np.concatenate(self._keys) if self._keys else np.empty(0, dtype=np.int64)
        bits = {name: (np.concatenate(chunks, axis=1) if chunks else
                       np.zeros((len(self.thresholds), 0, packed_width(self.units[name])), dtype=np.uint8))
                for name, chunks in self._bits.items()}
        part = IndexPart(keys, bits, self.seen)
        self._keys = []
        self._bits = {name: [] for name in self.units}
        self._held, self.seen = 0, 0
        return part

    def absorb(self, part: IndexPart) -> None:
        """Add another builder's part (windows this one was not fed), as if its windows came here."""
        shapes = {name: (len(self.thresholds), packed_width(units)) for name, units in self.units.items()}
        if {name: (b.shape[0], b.shape[2]) for name, b in part.bits.items()} != shapes:
            raise ValueError(f"an index part of {({n: b.shape for n, b in part.bits.items()})} cannot join "
                             f"an index of {shapes} (thresholds, bytes a token)")
        self.seen += int(part.seen)
        kept = part.keys < self._limit
        if not kept.any():
            return
        every = bool(kept.all())
        self._keys.append(part.keys if every else part.keys[kept])
        for name, bits in part.bits.items():
            self._bits[name].append(bits if every else bits[:, kept])
        self._held += int(self._keys[-1].size)
        if self._held > self.max_tokens + self._slack:
            self._keep_first(self.max_tokens)

    def _keep_first(self, count: int) -> None:
        """Keep the `count` tokens with the smallest keys and refuse every larger key from now on."""
        if self._held <= count:
            return
        self._limit = int(np.partition(np.concatenate(self._keys), count)[count])
        for i, keys in enumerate(self._keys):
            kept = keys < self._limit
            self._keys[i] = keys[kept]
            for chunks in self._bits.values():
                chunks[i] = chunks[i][:, kept]
        self._held = count

    def finish(self, n_docs: int | None = None) -> PatternIndex:
        """The index in corpus order; `n_docs` (default: up to the last document seen) sizes `doc_starts`.
        A corpus longer than `max_tokens` gives the index of its first `max_tokens` tokens."""
        self._keep_first(self.max_tokens)
        truncated = self._limit != _NO_LIMIT
        keys = self._keys
        docs_seen = [k >> 32 for k in keys]
        if n_docs is None or truncated:  # truncated: the documents up to the last one (partly) covered
            n_docs = max((int(d.max()) + 1 for d in docs_seen if d.size), default=0)
        per_doc = np.zeros(n_docs, dtype=np.int64)
        for docs in docs_seen:
            per_doc += np.bincount(docs, minlength=n_docs)
        doc_starts = np.concatenate([[0], np.cumsum(per_doc)]).astype(np.int64)
        total = int(doc_starts[-1])
        # Each token's row is its document's first row plus its position: scatter every chunk there
        # (one write of the bits, no concatenation, no sort), dropping each chunk once written.
        rows = [doc_starts[docs] + (k & 0xFFFFFFFF) for docs, k in zip(docs_seen, keys, strict=True)]
        bits = {}
        for name in self.units:
            chunks = self._bits[name][::-1]
            self._bits[name] = []
            out = np.zeros((len(self.thresholds), total, packed_width(self.units[name])), dtype=np.uint8)
            for where in rows:
                out[:, where] = chunks.pop()  # freed as soon as it is written
            bits[name] = out
        index = PatternIndex(self.thresholds, bits, self.units, doc_starts, {"corpus_tokens": self.seen})
        self._keys = []
        self._bits = {name: [] for name in self.units}
        self._held, self._limit, self.seen = 0, _NO_LIMIT, 0
        return index

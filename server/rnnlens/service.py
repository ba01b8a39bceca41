"""The analysis facade used by the CLI, the language server and the panel stream.

It resolves models and corpora, runs the analysis engine, and keeps results in memory and in
the on-disk cache, so a second request is served without recomputation. Statistics are always
*chosen*: a call names its corpus, or takes the service's `corpus` (what the front end was told:
`--corpus`, the `rnnlens.corpus` setting), or the model card's corpus (held-out split). Evaluating
another corpus adds an entry to the cache; it never changes what other calls use. Cache keys cover
weights, vocabulary, tokenizer, corpus content and engine version (docs/analysis.md, "Cache").
Thread-safe: one lock per computation key, so two requests for the same evaluation wait for one
run while unrelated requests proceed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch
from threadpoolctl import threadpool_limits

from rnnlens.analysis.alignment import align_clusters
from rnnlens.analysis.cocluster import (
    CoclusterResult,
    SignedSpectralCocluster,
    cocluster_responses,
    labelled_result,
)
from rnnlens.analysis.evaluation import evaluate_documents, state_sizes, stats_shape_problem
from rnnlens.analysis.explanations import (
    EXCLUDED_WORDS,
    UnitExplanation,
    WordExplanation,
    explain_unit,
    explain_word,
)
from rnnlens.analysis.pattern_index import (
    INDEX_THRESHOLDS,
    PatternIndex,
    PatternIndexBuilder,
)
from rnnlens.analysis.pattern_search import (
    PatternSearch,
    find_matches,
    matched_spans,
    select,
    shared_patterns,
)
from rnnlens.analysis.provenance import (
    ANALYSED_TEXT,
    ENGINE_VERSION,
    WEIGHTS_HASH_SHOWN,
    Provenance,
    distinct_words,
    rate_of_unknown,
    unknown_rate,
)
from rnnlens.analysis.ray_evaluation import RayOptions
from rnnlens.analysis.response_stats import ResponseStats
from rnnlens.analysis.results import Comparison, Statistics
from rnnlens.analysis.text_analysis import TextAnalysis, analyze_tokens
from rnnlens.analysis.text_units import resolve_reset, unit_starts
from rnnlens.errors import NoCorpusError, RnnLensError
from rnnlens.limits import check_text_size
from rnnlens.models.device import on_device
from rnnlens.models.loaded import LoadedModel
from rnnlens.models.registry import ModelRegistry
from rnnlens.paths import cache_dir
from rnnlens.store.cache import AnalysisCache
from rnnlens.store.corpus_hash_memo import recall, remember
from rnnlens.store.corpus_source import (
    SPLIT_NAMES,
    CorpusInput,
    corpus_fingerprint,
    describe_corpus,
    durable_fingerprint,
    hashing,
    resolve_corpus,
)
from rnnlens.store.encoded_spill import encoded_spill
from rnnlens.store.keys import params_key, text_hash
from rnnlens.store.shipped_stats import (
    SHIPPED,
    ShippedIdentity,
    ShippedLabels,
    ShippedStatistics,
    corpus_package,
    read_shipped,
)
from rnnlens.store.stats_codec import stats_from_arrays, stats_to_arrays

__all__ = ["ENGINE_VERSION", "AnalysisService", "CorpusChoice"]

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
Cancel = Callable[[], bool]
CorpusChoice = str | Path | Sequence[Path | str] | None  # a corpus name[:split], a file or folder, or files
MIN_WORD_COUNT = 3  # a word must occur this often to be co-clustered
DEFAULT_WORDS = 300  # words co-clustered unless asked otherwise
DEFAULT_CLUSTERS = 8  # k unless asked otherwise (the editor's rnnlens.clusters default too)
TEXT_STATS_KEPT = 4
# A 300 x 150 SVD took 2.7 s with OpenBLAS's threads spinning against other work on a busy 2-core
# machine, 0.02 s on one thread: matrices this small are clustered on one BLAS thread.
ONE_THREAD_BELOW = 2_000_000


class _FitKey(NamedTuple):
    stats: str
    state: str
    n_words: int


class _NotAtHand(Exception):
    """A co-clustering asked for only if at hand would need a fit."""


class _ClusterMemo(NamedTuple):
    stats: str
    state: str
    k: int
    n_words: int


def stats_key(model: LoadedModel, content_hash: str, kind: str = "stats") -> str:
    """Everything that changes a statistic: engine, weights + vocabulary, tokenizer, corpus content."""
    return params_key(kind, ENGINE_VERSION, model.weights_hash, model.tokenizer_identity, content_hash)


def cocluster_rows(stats: ResponseStats, n_words: int = DEFAULT_WORDS) -> np.ndarray:
    """The rows co-clustered: the n most frequent words seen MIN_WORD_COUNT times (fewer: once)."""
    rows = stats.frequent_rows(n_words, MIN_WORD_COUNT, EXCLUDED_WORDS)
    if rows.size < n_words:
        rows = stats.frequent_rows(n_words, 1, EXCLUDED_WORDS)
    return rows


def fit_cocluster(matrix: np.ndarray, words: list[str], k: int, layer: int, state: str,
                  random_state: int) -> tuple[CoclusterResult, SignedSpectralCocluster]:
    """Co-cluster a (words x units) float64 matrix as the service does (what a shipped labelling is
    made with, scripts/ship_sample_stats.py)."""
    with threadpool_limits(limits=1 if matrix.size < ONE_THREAD_BELOW else None, user_api="blas"):
        return cocluster_responses(matrix, words, k, layer, state, random_state)


def no_corpus_message(model: LoadedModel) -> str:
    return (f"model {model.name} names no corpus to take its statistics from: choose one with --corpus "
            f"NAME_OR_PATH (the rnnlens.corpus setting in the editor; it is evaluated once, then cached), or give "
            f"the model its corpus "
            f"(UserModel(corpus=...), or \"data\": {{\"corpus\": ...}} in its card.json)")


class AnalysisService:
    def __init__(self, registry: ModelRegistry, cache_root: Path | None = None, corpus: CorpusChoice = None):
        self.registry = registry
        # The statistics the front end chose for calls that name none (None: each model's card corpus).
        self.corpus: CorpusChoice = corpus
        self.cache = AnalysisCache(cache_root or cache_dir() / "analysis", report=self._report)
        self.notices: list[str] = []  # cache problems and other things a front end may show
        self._lock = threading.Lock()
        self._key_locks: dict[str, threading.Lock] = {}
        self._stats: dict[str, Statistics] = {}  # stats key -> statistics
        self._sources: dict[tuple[object, ...], CorpusInput] = {}  # corpus fingerprint -> source without texts
        self._estimators: dict[_FitKey, tuple[np.ndarray, list[str], SignedSpectralCocluster]] = {}
        self._coclusters: dict[_ClusterMemo, CoclusterResult] = {}
        self._pos: dict[str, str] | None = None
        self._patterns: dict[str, PatternIndex] = {}  # stats key -> pattern index (the latest only)
        self._text_keys: list[str] = []  # statistics made from analysed texts, oldest first
        # Evaluate on a Ray cluster (analysis/ray_evaluation.py) instead of in this process.
        self.ray: RayOptions | None = None
        self.device = torch.device("cpu")  # where corpus evaluation runs (models/device.py)
        self._shipped: dict[tuple[str, str, str], ShippedStatistics | None] = {}  # (folder, weights, corpus) ->
        self._shipped_labels: dict[str, tuple[ShippedLabels, ...]] = {}  # stats key -> labels shipped for it

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

    # ----- statistics
    def chosen_corpus(self, model: LoadedModel, corpus: CorpusChoice = None) -> str | Path | Sequence[Path | str]:
        """The corpus a call uses: its own, else the service's, else the model card's held-out split."""
        if corpus is None:
            corpus = self.corpus
        if corpus is None:
            data = model.card.get("data")
            name = data.get("corpus") if isinstance(data, dict) else None
            if not name:
                raise NoCorpusError(no_corpus_message(model))
            # A corpus name means its held-out split; a file or folder (UserModel(corpus=path)) as it is.
            corpus = str(name) if ":" in str(name) or Path(str(name)).expanduser().exists() else f"{name}:test"
        return corpus

    def _source(self, corpus: str | Path | Sequence[Path | str], model: LoadedModel | None = None) -> CorpusInput:
        """The corpus's label and content hash; texts only when it had to be read (memoised by
        fingerprint, so finding the statistics of a hover does not re-read the corpus). A named
        corpus that `model`'s shipped statistics were made from is not read at all: its hash is
        the one they record (checked when the text is read for an evaluation)."""
        fingerprint = corpus_fingerprint(corpus)
        with self._lock:
            known = self._sources.get(fingerprint)
        if known is not None:
            return known
        shipped = self._shipped_for(model, corpus) if model is not None else None
        if shipped is not None:
            name, split = self._named_corpus(corpus) or ("", "")
            source = CorpusInput(f"{name}:{split}", None, shipped.content_hash, name=name, split=split)
            with self._lock:
                self._sources[fingerprint] = source
            return source
        durable = durable_fingerprint(corpus)
        remembered = recall(self.cache.root, durable)
        if remembered is not None:  # hashed by an earlier process: no need to read it to find its statistics
            label, corpus_name, corpus_split = describe_corpus(corpus)
            source = CorpusInput(label, None, remembered, name=corpus_name, split=corpus_split)
        else:
            source = resolve_corpus(corpus)
            remember(self.cache.root, durable, source.content_hash)
        with self._lock:
            self._sources[fingerprint] = replace(source, documents=None)
        return source

    def statistics(self, model_name: str, corpus: CorpusChoice = None, progress: Progress | None = None,
                   cancel: Cancel | None = None, states: Collection[str] | None = None) -> Statistics:
        """The model's expected responses on the chosen corpus (memory, then disk, else evaluated).

        `states`: the state names (`layer2.c`) whose counts, means and spreads the caller reads; a
        sample's shipped view (`complete=False`) serves them when it has them. None: everything,
        percentile samples included; `()`: only the provenance and counts. What the view lacks is
        evaluated here, with `progress`.
        """
        model = self.model(model_name)
        spec = self.chosen_corpus(model, corpus)
        source = self._source(spec, model)
        key = stats_key(model, source.content_hash)
        with self._key_lock(key):
            found = self._stats.get(key)
            if found is not None and _covers(found, states):
                if progress is not None:
                    progress(1.0, f"statistics of {model.name} on {source.label} already loaded")
                return found
            stats = self._load_stats(key, model)
            if stats is not None:
                found = Statistics(stats, self._provenance(model, source, stats), key)
                if progress is not None:
                    progress(1.0, f"statistics of {model.name} on {source.label} served from the cache")
            elif found is None and (shipped := self._shipped_view(model, spec, source, key)) is not None \
                    and _covers(shipped, states):
                found = shipped
                if progress is not None:
                    progress(1.0, f"statistics of {model.name} on {source.label} {SHIPPED}")
            else:
                found = self._evaluate(model, spec, source, key, progress, cancel)
            with self._lock:
                self._stats[found.key] = found
        return found

    def _evaluate(self, model: LoadedModel, spec: str | Path | Sequence[Path | str], source: CorpusInput, key: str,
                  progress: Progress | None, cancel: Cancel | None) -> Statistics:
        """Evaluate the corpus and store the result; the key follows the text actually read."""
        if source.documents is None:
            source = resolve_corpus(spec)
        if stats_key(model, source.content_hash) != key:  # the hash came from shipped statistics, or was remembered
            remember(self.cache.root, durable_fingerprint(spec), source.content_hash)
            self._report(f"the {source.label} text read now differs from the one whose hash was known (shipped "
                         f"with {model.name}, or remembered from an earlier run); statistics are made from the "
                         f"text read now")
            with self._lock:
                self._sources[corpus_fingerprint(spec)] = replace(source, documents=None)
                self._stats.pop(key, None)
                self._shipped = {k: v for k, v in self._shipped.items() if k[1] != model.weights_hash}
                self._shipped_labels.pop(key, None)
            key = stats_key(model, source.content_hash)
            cached = self._load_stats(key, model)
            if cached is not None:
                return Statistics(cached, self._provenance(model, source, cached), key)
        patterns = PatternIndexBuilder(pattern_states(model))
        stats = self._compute_stats(model, source, progress, cancel, patterns)
        found = Statistics(stats, self._provenance(model, source, stats), key)
        arrays, meta = stats_to_arrays(stats)
        self.cache.save("stats", key, arrays, {**meta, "provenance": found.provenance.to_json()})
        index = patterns.finish()
        if index.corpus_tokens == stats.tokens:  # every token was offered to it (here or by the Ray workers)
            index.meta["provenance"] = found.provenance.to_json()
            with self._lock:
                self._patterns = {key: index}  # one in memory, at most PATTERN_INDEX_BYTES
            arrays, meta = index.to_arrays()
            self.cache.save("patterns", key, arrays, meta)
        return found

    # ----- pattern search (analysis/pattern_search.py)
    def pattern_index(self, model_name: str, corpus: CorpusChoice = None, progress: Progress | None = None,
                      cancel: Cancel | None = None) -> tuple[PatternIndex, Statistics]:
        """The binarised states of every token of the chosen corpus, made with its statistics; statistics
        made before the index existed (or shipped with a sample) are evaluated once more for it."""
        model = self.model(model_name)
        statistics = self.statistics(model_name, corpus, progress, cancel, states=())
        with self._key_lock(statistics.key):
            index = self._patterns.get(statistics.key) or self._load_patterns(statistics.key, model)
            if index is None:
                spec = self.chosen_corpus(model, corpus)
                statistics = self._evaluate(model, spec, self._source(spec, model), statistics.key, progress, cancel)
                with self._lock:
                    self._stats[statistics.key] = statistics
                index = self._patterns.get(statistics.key) or self._load_patterns(statistics.key, model)
            if index is None:  # the text changed as it was read, and statistics of the new text were cached
                raise RnnLensError(f"no pattern index of {model.name} on {statistics.provenance.corpus_label} "
                                   f"could be made: the corpus changed while it was read; search again")
            with self._lock:
                self._patterns = {statistics.key: index}
        return index, statistics

    def _load_patterns(self, key: str, model: LoadedModel) -> PatternIndex | None:
        entry = self.cache.load("patterns", key)
        if entry is None:
            return None
        try:
            index = PatternIndex.from_arrays(*entry)
        except (KeyError, ValueError, TypeError) as exc:
            self._report(f"cached pattern index {key} is malformed ({exc}); recomputing it")
            return None
        if index.units != pattern_states(model):
            self._report(f"cached pattern index {key} does not fit model {model.name}; recomputing it")
            return None
        return index

    def match(self, model_name: str, text: str, start: int = 0, end: int | None = None, layer: int | None = None,
              threshold: float | None = None, top: int = 20, corpus: CorpusChoice = None, reset: str | None = None,
              progress: Progress | None = None, cancel: Cancel | None = None) -> PatternSearch:
        """LSTMVis' select + match: the units on over text[start:end] (the hypothesis) and the corpus
        spans of about that length where the same units are on, best first. `threshold` None: the
        highest indexed threshold some unit stays above over the span. `reset`: where the selection's
        states start from (text_units.RESETS; None: the task's default)."""
        check_text_size(text)
        model = self.model(model_name)
        layer, state = self._layer_state(model, layer, None)
        name = f"layer{layer}.{state}"
        if threshold is not None and threshold not in INDEX_THRESHOLDS:
            raise RnnLensError(f"threshold {threshold:g} is not indexed: choose one of "
                               f"{', '.join(f'{t:g}' for t in INDEX_THRESHOLDS)}")
        index, statistics = self.pattern_index(model_name, corpus, progress, cancel)
        try:
            reset = resolve_reset(reset, model.task)
        except ValueError as exc:
            raise RnnLensError(str(exc)) from None
        query = select(model, text, start, len(text) if end is None else end, name, threshold, reset)
        if not query.units:
            raise RnnLensError(f"no unit of {model.name} {name} stays above {query.threshold:g} over "
                               f"\"{' '.join(query.tokens)[:80]}\": select fewer tokens or a lower threshold "
                               f"({', '.join(f'{t:g}' for t in INDEX_THRESHOLDS)})")
        found = find_matches(index, query, top)
        wanted = {m.doc for m in found}
        texts: dict[int, str] = {}
        if wanted:
            spec = self.chosen_corpus(model, corpus)
            source = self._source(spec, model)
            if source.documents is None:
                source = resolve_corpus(spec)
            for number, document in enumerate(source.texts()):
                if number in wanted:
                    texts[number] = document
                    if len(texts) == len(wanted):
                        break
        # no tags at all (Brown not fetched): pos stays None, not a row of "?" that reads as a pattern
        tagged = self.has_pos()
        spans = [replace(span, pos=[self.word_pos(t) or "?" for t in span.tokens] if tagged else None)
                 for span in matched_spans(model, found, texts)]
        return PatternSearch(model.name, statistics.provenance.corpus_label, query, spans, statistics.provenance,
                             extra={"pos_patterns": shared_patterns(spans),
                                    "searched": {"tokens": index.tokens, "corpus_tokens": index.corpus_tokens}})

    # ----- statistics shipped with a sample model (store/shipped_stats.py)
    @staticmethod
    def _named_corpus(spec: str | Path | Sequence[Path | str]) -> tuple[str, str] | None:
        """(name, split) when `spec` names a registry corpus, not a file."""
        if not isinstance(spec, str) or "/" in spec or Path(spec).expanduser().exists():
            return None
        name, _, split = spec.partition(":")
        split = split or "test"
        return (name, split) if split in SPLIT_NAMES and corpus_package(name) is not None else None

    def _shipped_for(self, model: LoadedModel, spec: str | Path | Sequence[Path | str]) -> ShippedStatistics | None:
        """The statistics shipped in the model's folder for this corpus, if they fit the model, the
        tokenizer, the engine and the corpus package (a record that does not fit is reported, once)."""
        named = self._named_corpus(spec)
        if named is None or model.path is None:
            return None
        folder = Path(model.path)
        memo = (str(folder), model.weights_hash, f"{named[0]}:{named[1]}")
        with self._lock:
            if memo in self._shipped:
                return self._shipped[memo]
        package = corpus_package(named[0]) or ""
        identity = ShippedIdentity(ENGINE_VERSION, model.weights_hash, model.tokenizer_identity, memo[2], package)
        found, problem = read_shipped(folder, identity, model.vocab.words, state_sizes(model))
        if problem is not None:
            self._report(f"statistics shipped with {model.name} are not used: {problem}")
        with self._lock:
            self._shipped[memo] = found
            if found is not None and found.labels:
                self._shipped_labels[stats_key(model, found.content_hash)] = found.labels
        return found

    def _shipped_view(self, model: LoadedModel, spec: str | Path | Sequence[Path | str], source: CorpusInput,
                      key: str) -> Statistics | None:
        shipped = self._shipped_for(model, spec)
        if shipped is None or stats_key(model, shipped.content_hash) != key:
            return None
        provenance = replace(self._provenance(model, source, shipped.stats), origin=SHIPPED)
        return Statistics(shipped.stats, provenance, key, complete=False)

    def uses_statistics(self, model_name: str, key: str, corpus: CorpusChoice = None) -> bool:
        """Whether calls naming `corpus` (None: the service's choice) use the statistics under `key`,
        found without evaluating anything (False when no corpus is chosen at all)."""
        model = self.model(model_name)
        try:
            spec = self.chosen_corpus(model, corpus)
        except NoCorpusError:
            return False
        return stats_key(model, self._source(spec, model).content_hash) == key

    def evaluate(self, model_name: str, corpus: CorpusChoice = None, progress: Progress | None = None,
                 cancel: Cancel | None = None) -> Statistics:
        """`statistics` under the name of the CLI command: evaluating only ever adds cache entries."""
        return self.statistics(model_name, corpus, progress, cancel)

    def _provenance(self, model: LoadedModel, source: CorpusInput, stats: ResponseStats) -> Provenance:
        specials = {model.vocab.pad_id, model.vocab.unk_id}
        return Provenance(model=model.name, weights=model.weights_hash[:WEIGHTS_HASH_SHOWN], corpus=source.name,
                          split=source.split, tokens=int(stats.tokens), distinct_words=distinct_words(stats, specials),
                          unknown_rate=unknown_rate(stats, model.vocab.unk_id), tokenizer=model.tokenizer_identity,
                          engine_version=ENGINE_VERSION)

    def _load_stats(self, key: str, model: LoadedModel) -> ResponseStats | None:
        entry = self.cache.load("stats", key)
        if entry is None:
            return None
        try:
            stats = stats_from_arrays(*entry)
        except (KeyError, ValueError, TypeError, IndexError) as exc:
            self._report(f"cached statistics {key} are malformed ({exc}); recomputing them")
            return None
        problem = stats_shape_problem(stats, model)
        if problem is not None:  # a matching checksum only proves the file is intact, not that it fits
            self._report(f"cached statistics {key} do not fit model {model.name} ({problem}); recomputing them")
            return None
        return stats

    def _compute_stats(self, model: LoadedModel, source: CorpusInput, progress: Progress | None,
                       cancel: Cancel | None, patterns: PatternIndexBuilder | None = None,
                       spill: bool = True) -> ResponseStats:
        """Statistics of `model` over `source`. `spill`: the first pass's token ids go to a file that
        later passes read instead of tokenising again (store/encoded_spill.py; not worth it for a text
        already in memory)."""
        if progress is not None:
            progress(0.0, f"evaluating {model.name} on {source.label}")
        read: list[str] = []  # the content hash of the text the first pass read

        def encode() -> Iterator[np.ndarray]:
            # Read and encoded lazily: never all in memory.
            texts = source.texts()
            if not read:
                texts = hashing(texts, read.append)
            return (np.asarray(model.encode(model.tokenize(text)), dtype=np.int32) for text in texts)

        with encoded_spill(self.cache.root if spill else None) as ids:
            def documents() -> Iterator[np.ndarray]:  # every pass (counting, tracing, a Ray retry)
                return ids.passes(encode)

            if self.ray is None:
                stats = evaluate_documents(on_device(model, self.device), documents, progress=progress,
                                           cancel=cancel, patterns=patterns)
            else:
                from rnnlens.analysis.ray_evaluation import evaluate_on_ray

                stats = evaluate_on_ray(model, documents, self.ray, progress=progress, cancel=cancel,
                                        patterns=patterns)
        if read and read[0] != source.content_hash:
            raise RnnLensError(f"{source.label} changed while it was being evaluated; evaluate it again")
        excluded = [model.vocab.index[w] for w in EXCLUDED_WORDS if w in model.vocab]
        if stats.count.sum() == stats.count[excluded].sum():
            raise RnnLensError(f"{source.label} holds no word that model {model.name} knows")
        return stats

    def _text_statistics(self, model: LoadedModel, text: str) -> Statistics:
        """For a model with no chosen corpus: statistics of the text itself (a stand-in, labelled so)."""
        source = CorpusInput(ANALYSED_TEXT, lambda: iter([text]), text_hash([text]))
        key = stats_key(model, source.content_hash, kind="text-stats")
        with self._lock:
            found = self._stats.get(key)
        if found is None:
            stats = self._compute_stats(model, source, None, None, spill=False)
            found = Statistics(stats, self._provenance(model, source, stats), key)
            with self._lock:
                self._stats[key] = found
            self._forget_old_text_stats(key)
        return found

    def _forget_old_text_stats(self, newest: str) -> None:
        """Text stand-ins change with every edit: keep only the last few (a server runs for hours)."""
        with self._lock:
            self._text_keys.append(newest)
            while len(self._text_keys) > TEXT_STATS_KEPT:
                old = self._text_keys.pop(0)
                self._stats.pop(old, None)
                for fitted in [m for m in self._estimators if m.stats == old]:
                    del self._estimators[fitted]
                for result in [m for m in self._coclusters if m.stats == old]:
                    del self._coclusters[result]

    # ----- co-clustering
    def cocluster(self, model_name: str, layer: int | None = None, state: str | None = None, k: int = DEFAULT_CLUSTERS,
                  n_words: int = DEFAULT_WORDS, progress: Progress | None = None, cancel: Cancel | None = None,
                  random_state: int = 0, corpus: CorpusChoice = None) -> CoclusterResult:
        """Word and unit clusters; `result.extra["provenance"]` names the statistics used."""
        model = self.model(model_name)
        layer, state = self._layer_state(model, layer, state)
        statistics = self.statistics(model_name, corpus, progress, cancel, states=(f"layer{layer}.{state}",))
        result = self._cocluster_stats(model, statistics, layer, state, k, n_words, random_state)
        if progress is not None:
            progress(1.0, f"co-clustered {len(result.words)} words x {len(result.unit_labels)} units into {k}")
        return result

    def cocluster_at_hand(self, model_name: str, layer: int | None = None, state: str | None = None,
                          k: int = DEFAULT_CLUSTERS, corpus: CorpusChoice = None) -> CoclusterResult | None:
        """`cocluster(...)` when it needs neither an evaluation nor a fit, else None: a sample's default
        view, whose labels ship with it (the language server's first glyphs, without a progress)."""
        model = self.model(model_name)
        layer, state = self._layer_state(model, layer, state)
        try:
            spec = self.chosen_corpus(model, corpus)
        except NoCorpusError:
            return None
        if self._shipped_for(model, spec) is None:  # nothing shipped: never read a corpus here
            return None
        name = f"layer{layer}.{state}"
        key = stats_key(model, self._source(spec, model).content_hash)
        with self._lock:
            memo = self._coclusters.get(_ClusterMemo(key, name, k, DEFAULT_WORDS))
            shipped = self._shipped_labels.get(key, ())
        if memo is not None:
            return memo
        if not any(labels.state == name and labels.k == k and labels.n_words == DEFAULT_WORDS for labels in shipped):
            return None
        statistics = self.statistics(model_name, corpus, states=(name,))  # shipped: in memory or from the folder
        try:
            return self._cocluster_stats(model, statistics, layer, state, k, DEFAULT_WORDS, 0, fit=False)
        except _NotAtHand:
            return None

    def _cocluster_stats(self, model: LoadedModel, statistics: Statistics, layer: int, state: str,
                         k: int, n_words: int, random_state: int, fit: bool = True) -> CoclusterResult:
        """`fit=False`: raise _NotAtHand rather than fit."""
        name = f"layer{layer}.{state}"
        if k < 1:
            raise RnnLensError(f"the number of clusters must be at least 1, got {k}")
        if n_words < 2:
            raise RnnLensError(f"the number of words must be at least 2, got {n_words}")
        key, stats = statistics.key, statistics.stats
        memo = _ClusterMemo(key, name, k, n_words)
        with self._lock:
            if memo in self._coclusters:
                return self._coclusters[memo]
        rows = cocluster_rows(stats, n_words)
        hidden = stats.mean[name].shape[1]
        if k > min(rows.size, hidden):
            raise RnnLensError(f"cannot make {k} clusters: model {model.name} has {hidden} units in layer {layer} "
                               f"and {statistics.provenance.corpus_label} gives {rows.size} words; "
                               f"choose k <= {min(rows.size, hidden)}")
        fit_key = _FitKey(key, name, n_words)
        with self._key_lock(f"cocluster/{key}/{name}/{n_words}"):
            fitted = self._estimators.get(fit_key)
            shipped = None if fitted is not None else self._shipped_fit(key, stats, name, k, n_words, random_state, rows)
            if shipped is not None:  # exactly what fitting this matrix would give, without fitting it
                matrix = stats.mean[name][rows].astype(np.float64)
                words = [stats.word(r) for r in rows]
                result = labelled_result(matrix, words, shipped.word_labels, shipped.unit_labels, k, layer, state)
            elif not fit:
                raise _NotAtHand()
            elif fitted is None:
                matrix = stats.mean[name][rows].astype(np.float64)
                words = [stats.word(r) for r in rows]
                result, estimator = fit_cocluster(matrix, words, k, layer, state, random_state)
                self._estimators[fit_key] = (matrix, words, estimator)
            else:
                matrix, words, estimator = fitted
                result, _ = cocluster_responses(matrix, words, k, layer, state, random_state, model=estimator)
        result.extra["counts"] = [int(stats.count[r]) for r in rows]
        result.extra["model"] = model.name
        result.extra["provenance"] = statistics.provenance.to_json()
        with self._lock:
            self._coclusters[memo] = result
        return result

    def _shipped_fit(self, key: str, stats: ResponseStats, name: str, k: int, n_words: int, random_state: int,
                     rows: np.ndarray) -> ShippedLabels | None:
        """Labels shipped with a sample for this co-clustering: only when they were fitted to a matrix
        equal, bit for bit, to the one about to be clustered (same words, same state, k, seed)."""
        with self._lock:
            shipped = self._shipped_labels.get(key, ())
        if not shipped:
            return None
        matrix = stats.mean[name][rows]
        return next((labels for labels in shipped
                     if labels.fits(name, k, n_words, random_state, stats.row_ids[rows], matrix)), None)

    def unit_labels(self, model_name: str, layer: int | None, state: str | None, k: int,
                    corpus: CorpusChoice = None) -> np.ndarray:
        return self.cocluster(model_name, layer, state, k, corpus=corpus).unit_labels

    # ----- text
    def analyze_text(self, model_name: str, text: str, layer: int | None = None, state: str | None = None,
                     k: int = DEFAULT_CLUSTERS, top_k: int = 5, corpus: CorpusChoice = None,
                     reset: str | None = None, detail: bool = True, progress: Progress | None = None) -> TextAnalysis:
        """Glyphs of every token. A model with no chosen corpus gets clusters from the text itself,
        and says so: `extra["clusters_from"] == "text"` and the provenance's corpus is ANALYSED_TEXT.
        `reset` restarts the state per unit of text (text_units.RESETS; None: the task's default).
        `detail=False`: only the chosen layer's glyphs and no response vectors (a text report).
        `progress` hears about an evaluation of the corpus, if one is needed first."""
        check_text_size(text)  # the one size limit of the CLI, the language server and the stream
        model = self.model(model_name)
        layer, state = self._layer_state(model, layer, state)
        try:
            reset = resolve_reset(reset, model.task)
        except ValueError as exc:
            raise RnnLensError(str(exc)) from None
        tokens = model.tokenize(text)
        if not tokens:
            raise RnnLensError("the text holds no tokens to analyse")
        ids = model.encode(tokens)
        if all(i == model.vocab.unk_id for i in ids):
            raise RnnLensError(f"the text holds no word that model {model.name} knows")
        source = "corpus"
        try:
            statistics = self.statistics(model_name, corpus, progress,
                                         states=[f"layer{i}.{state}" for i in range(1, model.num_layers + 1)])
        except NoCorpusError:
            statistics = self._text_statistics(model, text)
            source = "text"
        labels: dict[int, np.ndarray] = {}
        effective_k = k
        if source == "text":  # a short text may give fewer words than clusters asked for
            words = len(statistics.stats.frequent_rows(10**9, 1, EXCLUDED_WORDS))
            effective_k = min([k, words] + [int(layer.hidden_size) for layer in model.stack.layers])
        chosen = None
        for index in range(1, model.num_layers + 1):
            result = self._cocluster_stats(model, statistics, index, state, effective_k, DEFAULT_WORDS, 0)
            labels[index] = result.unit_labels
            if index == layer:
                chosen = result
        assert chosen is not None
        starts = unit_starts(text, [t.start for t in tokens], reset)
        analysis = analyze_tokens(model, tokens, labels, layer, state, effective_k, top_k, starts=starts, reset=reset,
                                  detail=detail, text=text)
        analysis.extra["clusters_from"] = source
        analysis.extra["provenance"] = statistics.provenance.to_json()
        analysis.extra["text_unknown_rate"] = round(rate_of_unknown(ids, model.vocab.unk_id), 6)
        analysis.extra["word_clusters"] = chosen.word_clusters()
        analysis.extra["links"] = chosen.links.round(6).tolist()
        return analysis

    # ----- explanations
    def explain_unit(self, model_name: str, layer: int | None, state: str | None, unit: int,
                     top: int = 10, corpus: CorpusChoice = None, progress: Progress | None = None) -> UnitExplanation:
        model = self.model(model_name)
        layer, state = self._layer_state(model, layer, state)
        hidden = int(model.stack.layers[layer - 1].hidden_size)
        if not 0 <= unit < hidden:
            raise RnnLensError(f"unit {unit} does not exist: layer {layer} of {model.name} has units 0..{hidden - 1}")
        statistics = self.statistics(model_name, corpus, progress)  # percentiles: never in a shipped view
        result = explain_unit(statistics.stats, f"layer{layer}.{state}", unit, top)
        return replace(result, model=model.name, layer=layer, provenance=statistics.provenance)

    def explain_word(self, model_name: str, word: str, layer: int | None = None,
                     state: str | None = None, k: int = DEFAULT_CLUSTERS, corpus: CorpusChoice = None) -> WordExplanation:
        model = self.model(model_name)
        layer, state = self._layer_state(model, layer, state)
        norm = word.strip().lower()
        tokens = model.tokenize(word)
        if tokens:
            norm = tokens[0].norm
        if norm not in model.vocab:
            raise RnnLensError(f"model {model.name} does not know the word {word!r}")
        statistics = self.statistics(model_name, corpus, states=(f"layer{layer}.{state}",))
        profile = explain_word(statistics.stats, f"layer{layer}.{state}", model.vocab.id_of(norm), norm)
        cluster = None
        try:
            result = self._cocluster_stats(model, statistics, layer, state, k, DEFAULT_WORDS, 0)
            if norm in result.words:
                cluster = int(result.word_labels[result.words.index(norm)])
        except RnnLensError:  # too few words for k clusters: the profile stands without a cluster
            cluster = None
        return replace(profile, model=model.name, layer=layer, cluster=cluster, pos=self.word_pos(norm),
                       provenance=statistics.provenance)

    def word_pos(self, word: str) -> str | None:
        """The word's majority tag in the Brown corpus (explanations.POS_SOURCE); None when Brown lacks
        the word or the corpus is not fetched."""
        return self._pos_table().get(word.lower())

    def has_pos(self) -> bool:
        """Whether any word has a tag (the Brown corpus is fetched)."""
        return bool(self._pos_table())

    def _pos_table(self) -> dict[str, str]:
        if self._pos is None:
            self._pos = self._load_pos()
        return self._pos

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
                state: str | None = None, k: int = DEFAULT_CLUSTERS, corpus: CorpusChoice = None) -> Comparison:
        first, second = self.model(model_a), self.model(model_b)
        results = []
        for model in (first, second):
            model_layer, model_state = self._layer_state(model, layer, state if state in model.state_kinds else None)
            results.append(self.cocluster(model.name, model_layer, model_state, k, corpus=corpus))
        alignment = align_clusters(results[0].words, results[0].word_labels, results[1].words,
                                   results[1].word_labels, results[0].k, results[1].k)
        provenance = tuple(self.statistics(m.name, corpus, states=(f"layer{r.layer}.{r.state}",)).provenance
                           for m, r in zip((first, second), results, strict=True))
        texts = None
        if text is not None:
            texts = tuple(self.analyze_text(m.name, text, r.layer, r.state, k, corpus=corpus)
                          for m, r in zip((first, second), results, strict=True))
        return Comparison(models=(first.name, second.name), coclusters=(results[0], results[1]),
                          alignment=alignment, provenance=(provenance[0], provenance[1]),
                          texts=None if texts is None else (texts[0], texts[1]))


def pattern_states(model: LoadedModel) -> dict[str, int]:
    """The states the pattern index binarises: every layer's default state (`layer2.c` for an LSTM)."""
    return {f"layer{i}.{model.default_state}": int(layer.hidden_size)
            for i, layer in enumerate(model.stack.layers, start=1)}


def _covers(statistics: Statistics, states: Collection[str] | None) -> bool:
    """Whether `statistics` hold what a caller reading `states` (None: everything) needs."""
    if statistics.complete:
        return True
    return states is not None and set(states) <= set(statistics.stats.state_names)

"""The language server's domain state: settings, the model, open documents and their states.

Handlers stay thin: they translate LSP to calls on `LensSession` and back. Everything here is
thread-safe, because requests run on worker threads while edits arrive on the event loop.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from rnnlens.analysis.explanations import WordExplanation
from rnnlens.analysis.model_outputs import step_outputs
from rnnlens.analysis.text_units import reset_mask, resolve_reset, unit_starts
from rnnlens.data.tokenizer import Token, tokenize
from rnnlens.errors import RnnLensError
from rnnlens.limits import MAX_TEXT_CHARS
from rnnlens.lsp.clusters import ClusterBook, ClusterKey, LabelsKey, Progress
from rnnlens.lsp.documents import DocumentStore, Snapshot
from rnnlens.lsp.incremental import Stale, StateTimeline
from rnnlens.lsp.retokenize import retokenize
from rnnlens.lsp.settings import Settings, analysis_affected, apply_settings, split_initialization_only
from rnnlens.models.loaded import LoadedModel
from rnnlens.models.registry import ModelRegistry
from rnnlens.protocol.commands import ClustersComputing, ClustersFailed, ClustersReady, StatusParams
from rnnlens.service import AnalysisService

PREFERRED_MODEL = "brown-lstm"
BINARY_PROBE = 8192  # characters inspected for NUL bytes
WORD_PROFILE_CACHE = 4096


class ProgressHandle(Protocol):
    """A progress bar in the client: reports, then exactly one end (or the bar stays forever)."""

    def report(self, fraction: float, message: str) -> None: ...
    def end(self, message: str) -> None: ...


class Notifier(Protocol):
    """What the session needs from the LSP side (all safe to call from any thread)."""

    def show_message(self, text: str, error: bool = True) -> None: ...
    def log(self, text: str) -> None: ...
    def refresh_inlay_hints(self) -> None: ...
    def start_progress(self, title: str) -> ProgressHandle: ...
    def status(self, payload: StatusParams) -> None: ...


@dataclass(frozen=True)
class View:
    """Which state the glyphs show: `layer{layer}.{state}` with `k` unit clusters."""

    layer: int
    state: str
    k: int

    @property
    def name(self) -> str:
        return f"layer{self.layer}.{self.state}"


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


@dataclass
class _Tokenised:
    snapshot: Snapshot
    model_name: str
    tokens: list[Token]
    starts: np.ndarray
    ends: np.ndarray
    ids: np.ndarray
    resets: dict[str, np.ndarray] = field(default_factory=dict)  # reset mode -> (N,) restart mask


class LensSession:
    def __init__(self, notifier: Notifier, settings: Settings | None = None):
        self.notifier = notifier
        self.settings = settings or Settings()
        self.documents = DocumentStore()
        self._lock = threading.RLock()
        self._registry: ModelRegistry | None = None
        self._service: AnalysisService | None = None
        self._timelines: dict[str, StateTimeline] = {}
        self._tokenised: dict[str, _Tokenised] = {}
        self._word_profiles: dict[tuple[ClusterKey, str], WordExplanation] = {}
        self._warned: dict[str, str] = {}  # uri -> the last warning shown for it (shown once)
        # failures not tied to a document (a broken model setting): every request meets them, the
        # user must see each once, until the settings change
        self._failures_shown: set[str] = set()
        self._cluster_progress: dict[ClusterKey, ProgressHandle] = {}  # open progress bars of cluster jobs
        # The benchmark's baseline (not a user setting): recompute the whole document for every
        # request, with no caches. The server sets it from the environment (server.BASELINE_ENV).
        self.recompute_everything = False
        self.clusters = ClusterBook(self._compute_clusters, self._clusters_started, self._clusters_done)

    # ----- settings and model -------------------------------------------------------------
    def configure(self, raw: Any, source: str, from_workspace: bool = False) -> bool:
        """Apply settings from `source` (for messages). Returns whether views must refresh.

        `from_workspace`: settings a project can fill (workspace/configuration, didChangeConfiguration),
        which never declare code to run (settings.INITIALIZATION_ONLY_KEYS).
        """
        with self._lock:
            old = self.settings
            if from_workspace:
                raw, ignored = split_initialization_only(raw)
                for key, value in ignored.items():
                    if apply_settings(old, {key: value})[0] != old:  # VS Code repeats the user's value: not news
                        self.notifier.log(f"{source}: ignored rnnlens.{key} {value!r}: it declares code to run, so "
                                          "RNN Lens takes it only from initializationOptions, which a workspace "
                                          "cannot set")
            new, problems = apply_settings(old, raw)
            for problem in problems:
                if problem.startswith("unknown setting"):
                    self.notifier.log(f"{source}: {problem}")
                else:
                    self.notifier.show_message(f"RNN Lens ({source}): {problem}")
            if new.model_paths != old.model_paths:
                self._registry = None
                self._service = None
            if (new.model, new.model_paths) != (old.model, old.model_paths):
                self._timelines.clear()
                self._tokenised.clear()
            self.settings = new
            if self._service is not None:  # the panel's stream asks the same service: same statistics
                self._service.corpus = new.corpus
            self._warned.clear()
            if new != old:  # clients send configuration changes of other extensions too: not a new try
                self._failures_shown.clear()
            return analysis_affected(old, new)

    @property
    def registry(self) -> ModelRegistry:
        with self._lock:
            if self._registry is None:
                self._registry = ModelRegistry(self.settings.model_paths)
            return self._registry

    @property
    def service(self) -> AnalysisService:
        with self._lock:
            if self._service is None:
                self._service = AnalysisService(self.registry, corpus=self.settings.corpus)
            return self._service

    def model_name(self) -> str:
        name = self.settings.model
        if name:
            return name
        names = self.registry.names()
        if not names:
            raise RnnLensError("no models found: set rnnlens.model to a model folder, or add folders of models "
                               "to rnnlens.modelPaths")
        return PREFERRED_MODEL if PREFERRED_MODEL in names else names[0]

    def model(self) -> LoadedModel:
        return self.service.model(self.model_name())

    def check_model(self) -> LoadedModel | None:
        """Load the configured model now; a failure becomes one message the user can act on."""
        try:
            model = self.model()
            self.view_for(model)
            return model
        except RnnLensError as exc:
            self.report_once(f"RNN Lens: {exc}")
            return None

    def view_for(self, model: LoadedModel) -> View:
        layer = self.settings.layer or model.num_layers
        if layer > model.num_layers:
            raise RnnLensError(f"rnnlens.layer is {layer} but model {model.name!r} has {model.num_layers} layer(s)")
        state = self.settings.state or model.default_state
        if state not in model.state_kinds:
            raise RnnLensError(f"rnnlens.state is {state!r} but model {model.name!r} ({model.cell}) only has "
                               f"{', '.join(model.state_kinds)}")
        return View(layer, state, self.settings.clusters)

    def cluster_key(self, model: LoadedModel, view: View) -> ClusterKey:
        return ClusterKey(model.name, model.weights_hash, view.layer, view.state, view.k, self.settings.corpus)

    # ----- documents ----------------------------------------------------------------------
    def close(self, uri: str) -> None:
        self.documents.close(uri)
        with self._lock:
            self._timelines.pop(uri, None)
            self._tokenised.pop(uri, None)
            self._warned.pop(uri, None)

    def prepare(self, uri: str, cancelled: Callable[[], bool] = lambda: False,
                start_clusters: bool = True) -> Prepared | None:
        """Everything a request on `uri` needs, or None when the document is not analysed.

        Raises `Stale` if the document changed or the request was cancelled meanwhile.
        """
        snapshot = self.documents.get(uri)
        if snapshot is None:
            return None
        if not self._analysable(snapshot):
            return None
        try:
            model = self.model()
            view = self.view_for(model)
        except RnnLensError as exc:
            self.report_once(f"RNN Lens: {exc}")
            return None

        def should_stop() -> bool:
            return cancelled() or not self.documents.is_current(snapshot)

        incremental = not self.recompute_everything
        tokenised = self._tokenise(snapshot, model, use_cache=incremental)
        if should_stop():
            raise Stale()
        keep = {view.name, f"layer{model.num_layers}.h"}  # what hovers and hints read per token
        if incremental:
            with self._lock:
                timeline = self._timelines.get(uri)
                if timeline is None or timeline.model is not model or not keep <= timeline.keep:
                    timeline = self._timelines[uri] = StateTimeline(model, keep)
        else:  # the baseline: keep nothing, run the whole document in one go for every request
            timeline = StateTimeline(model, keep, slice_chunks=1 << 30)
            timeline.set_ids(tokenised.ids, self._resets(tokenised, model))
            timeline.chunks_for(0, timeline.length, should_stop)
        labelled = self.clusters.labelled(self.cluster_key(model, view), start=start_clusters)
        labels, labels_key = labelled if labelled is not None else (None, None)
        return Prepared(snapshot, model, tokenised.tokens, tokenised.starts, tokenised.ends, tokenised.ids, timeline,
                        view, labels, should_stop, self._resets(tokenised, model), labels_key)

    def _resets(self, tokenised: _Tokenised, model: LoadedModel) -> np.ndarray | None:
        """Where the state restarts (rnnlens.reset; by default per line for a classifier), once per snapshot."""
        reset = resolve_reset(self.settings.reset, model.task)
        if reset == "none":
            return None
        if reset not in tokenised.resets:
            starts = unit_starts(tokenised.snapshot.text, tokenised.starts, reset)
            tokenised.resets[reset] = reset_mask(starts, len(tokenised.ids))
        return tokenised.resets[reset]

    def _tokenise(self, snapshot: Snapshot, model: LoadedModel, use_cache: bool = True) -> _Tokenised:
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
        made = _Tokenised(snapshot, model.name, tokens, starts, ends, ids)
        with self._lock:
            if use_cache and self.documents.is_current(snapshot):
                self._tokenised[snapshot.uri] = made
        return made

    def _analysable(self, snapshot: Snapshot) -> bool:
        settings = self.settings
        if snapshot.language_id not in settings.languages:
            return False
        size = len(snapshot.text)
        if size > settings.max_document_size:
            fix = ("That is RNN Lens's size limit (rnnlens.limits.MAX_TEXT_CHARS; docs/analysis.md, \"Size "
                   "limit\")." if settings.max_document_size >= MAX_TEXT_CHARS else
                   f"Raise the setting (up to the size limit, {MAX_TEXT_CHARS:,}) to analyse it.")
            self._warn_once(snapshot.uri, f"RNN Lens: {snapshot.uri} has {size:,} characters, more than "
                                          f"rnnlens.maxDocumentSize ({settings.max_document_size:,}); it is not "
                                          f"analysed. {fix}")
            return False
        if "\x00" in snapshot.text[:BINARY_PROBE]:
            self._warn_once(snapshot.uri, f"RNN Lens: {snapshot.uri} looks like a binary file (it has NUL "
                                          f"characters); it is not analysed.", error=False)
            return False
        with self._lock:
            self._warned.pop(snapshot.uri, None)
        return True

    def report_once(self, text: str) -> None:
        """Show an error popup, unless the same one was shown since the settings last changed."""
        with self._lock:
            if text in self._failures_shown:
                return
            self._failures_shown.add(text)
        self.notifier.show_message(text)

    def _warn_once(self, uri: str, text: str, error: bool = True) -> None:
        with self._lock:
            if self._warned.get(uri) == text:
                return
            self._warned[uri] = text
        self.notifier.show_message(text, error=error)

    # ----- states and outputs -------------------------------------------------------------
    def sync_timeline(self, prepared: Prepared) -> None:
        """Give the timeline this snapshot's ids (call with the timeline's lock held)."""
        prepared.timeline.set_ids(prepared.ids, prepared.resets)

    def output_at(self, prepared: Prepared, top_hidden: np.ndarray, top_k: int = 5) -> dict[str, Any]:
        """The model's output after the token: next-word top-k (LM) or class probabilities (classifier)."""
        outputs = step_outputs(prepared.model, np.asarray(top_hidden, dtype=np.float32).reshape(1, -1), top_k)
        if outputs.kind == "none":
            return {}
        return {"kind": outputs.kind, "items": outputs.items(0)}

    def explain_word(self, prepared: Prepared, word: str) -> WordExplanation:
        """The service's word profile on the chosen statistics, memoised per clustering key."""
        view = prepared.view
        cluster_key = self.cluster_key(prepared.model, view)
        key = (cluster_key, word)
        with self._lock:
            if key in self._word_profiles:
                return self._word_profiles[key]
        profile = self.service.explain_word(prepared.model.name, word, layer=view.layer, state=view.state, k=view.k,
                                            corpus=cluster_key.corpus)
        with self._lock:
            if len(self._word_profiles) >= WORD_PROFILE_CACHE:
                self._word_profiles.clear()
            self._word_profiles[key] = profile
        return profile

    def refresh_clusters(self, cancel: Callable[[], bool]) -> None:
        """Cluster the current view's units now, on this thread (after an evaluation it takes seconds)."""
        model = self.model()
        view = self.view_for(model)
        key = self.cluster_key(model, view)
        self.clusters.set_labels(key, self._compute_clusters(key, lambda fraction, message: None, cancel))
        self._clusters_done(key, None)

    # ----- clusters (background) ----------------------------------------------------------
    def _compute_clusters(self, key: ClusterKey, progress: Progress, cancel: Callable[[], bool]) -> np.ndarray:
        result = self.service.cocluster(key.model, layer=key.layer, state=key.state, k=key.k, progress=progress,
                                        cancel=cancel, corpus=key.corpus)
        return np.asarray(result.unit_labels)

    def provenance(self, key: ClusterKey) -> dict[str, Any] | None:
        """The statistics behind `key`'s clusters, as the status notification carries them."""
        try:
            # The view's states only: a sample's shipped statistics answer without an evaluation.
            view = (f"layer{key.layer}.{key.state}",)
            return self.service.statistics(key.model, key.corpus, states=view).provenance.to_json()
        except RnnLensError:
            return None

    def _clusters_started(self, key: ClusterKey) -> Progress:
        self.notifier.status(ClustersComputing(clusters="computing", model=key.model, layer=key.layer,
                                               state=key.state, k=key.k, corpus=key.corpus))
        handle = self.notifier.start_progress(f"RNN Lens: clustering units of {key.model} (first time only)")
        with self._lock:
            self._cluster_progress[key] = handle
        return handle.report

    def _clusters_done(self, key: ClusterKey, error: str | None) -> None:
        with self._lock:
            handle = self._cluster_progress.pop(key, None)
        if handle is not None:  # success, failure or cancel: the bar ends
            handle.end("clusters ready" if error is None else "cancelled" if error == "cancelled" else "failed")
        if error is None:
            self.notifier.status(ClustersReady(clusters="ready", model=key.model, layer=key.layer, state=key.state,
                                               k=key.k, corpus=key.corpus, provenance=self.provenance(key)))
            self.notifier.refresh_inlay_hints()
        elif error != "cancelled":
            self.notifier.status(ClustersFailed(clusters="failed", model=key.model, corpus=key.corpus, error=error))
            self.notifier.show_message(f"RNN Lens: could not cluster the units of {key.model}, so glyphs are "
                                       f"not shown: {error}")

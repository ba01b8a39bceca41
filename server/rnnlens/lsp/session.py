"""The language server's domain state, as the handlers see it: settings, open documents, and the
parts that each keep one kind of state.

- `ModelChoice` (model_choice.py): the registry, the analysis service, the model and view in use;
- `DocumentAnalyses` (document_analysis.py): each document's tokens and state timeline;
- `ClusterBook` (clusters.py) with `ClusterNotifications` (cluster_notifications.py): unit labels
  computed in the background, and what the editor hears about them;
- `WordProfiles` (word_profiles.py) and `MessagesOnce` (messages_once.py).

`LensSession` applies settings to all of them and assembles one request's `Prepared`. Handlers
stay thin: they translate LSP to calls on it and back. Everything here is thread-safe, because
requests run on worker threads while edits arrive on the event loop.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from rnnlens.analysis.explanations import WordExplanation
from rnnlens.errors import RnnLensError
from rnnlens.limits import MAX_TEXT_CHARS
from rnnlens.lsp.cluster_notifications import ClusterNotifications
from rnnlens.lsp.clusters import ClusterBook, ClusterKey, Progress
from rnnlens.lsp.document_analysis import DocumentAnalyses, Prepared
from rnnlens.lsp.documents import DocumentStore, Snapshot
from rnnlens.lsp.incremental import Stale, StateTimeline
from rnnlens.lsp.messages_once import MessagesOnce
from rnnlens.lsp.model_choice import ModelChoice, View
from rnnlens.lsp.notifier import Notifier
from rnnlens.lsp.settings import Settings, analysis_affected, apply_settings, split_initialization_only
from rnnlens.lsp.word_profiles import WordProfiles
from rnnlens.models.loaded import LoadedModel
from rnnlens.models.registry import ModelRegistry
from rnnlens.service import AnalysisService

BINARY_PROBE = 8192  # characters inspected for NUL bytes


class LensSession:
    def __init__(self, notifier: Notifier, settings: Settings | None = None,
                 documents: DocumentStore | None = None):
        self.notifier = notifier
        # the server passes its own store: it takes edits while this session is still being imported
        self.documents = documents if documents is not None else DocumentStore()
        self._lock = threading.RLock()  # one configure at a time
        self.models = ModelChoice(settings or Settings())
        self.analyses = DocumentAnalyses(self.documents)
        self.word_profiles = WordProfiles()
        self.messages = MessagesOnce(notifier)
        self.cluster_notifications = ClusterNotifications(notifier, self.provenance)
        # The benchmark's baseline (not a user setting): recompute the whole document for every
        # request, with no caches. The server sets it from the environment (server.BASELINE_ENV).
        self.recompute_everything = False
        self.clusters = ClusterBook(self._compute_clusters, self.cluster_notifications.started,
                                    self.cluster_notifications.done, at_hand=self._clusters_at_hand)

    # ----- settings and model -------------------------------------------------------------
    @property
    def settings(self) -> Settings:
        return self.models.settings

    @settings.setter
    def settings(self, settings: Settings) -> None:  # benchmarks swap settings without a configure
        self.models.settings = settings

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
            if self.models.follow(old, new):
                self.analyses.clear()
            self.messages.settings_applied(changed=new != old)
            return analysis_affected(old, new)

    @property
    def registry(self) -> ModelRegistry:
        return self.models.registry

    @property
    def service(self) -> AnalysisService:
        return self.models.service

    def model_name(self) -> str:
        return self.models.model_name()

    def model(self) -> LoadedModel:
        return self.models.model()

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
        return self.models.view_for(model)

    def cluster_key(self, model: LoadedModel, view: View) -> ClusterKey:
        return self.models.cluster_key(model, view)

    # ----- documents ----------------------------------------------------------------------
    def close(self, uri: str) -> None:
        self.documents.close(uri)
        self.analyses.forget(uri)
        self.messages.forget(uri)

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
        tokenised = self.analyses.tokenise(snapshot, model, use_cache=incremental)
        if should_stop():
            raise Stale()
        resets = tokenised.resets(self.settings.reset, model)
        keep = {view.name, f"layer{model.num_layers}.h"}  # what hovers and hints read per token
        if incremental:
            timeline = self.analyses.timeline(uri, model, keep)
        else:  # the baseline: keep nothing, run the whole document in one go for every request
            timeline = StateTimeline(model, keep, slice_chunks=1 << 30)
            timeline.set_ids(tokenised.ids, resets)
            timeline.chunks_for(0, timeline.length, should_stop)
        labelled = self.clusters.labelled(self.cluster_key(model, view), start=start_clusters)
        labels, labels_key = labelled if labelled is not None else (None, None)
        return Prepared(snapshot, model, tokenised.tokens, tokenised.starts, tokenised.ends, tokenised.ids, timeline,
                        view, labels, should_stop, resets, labels_key)

    def _analysable(self, snapshot: Snapshot) -> bool:
        settings = self.settings
        if snapshot.language_id not in settings.languages:
            return False
        size = len(snapshot.text)
        if size > settings.max_document_size:
            fix = ("That is RNN Lens's size limit (rnnlens.limits.MAX_TEXT_CHARS; docs/analysis.md, \"Size "
                   "limit\")." if settings.max_document_size >= MAX_TEXT_CHARS else
                   f"Raise the setting (up to the size limit, {MAX_TEXT_CHARS:,}) to analyse it.")
            self.messages.warn(snapshot.uri, f"RNN Lens: {snapshot.uri} has {size:,} characters, more than "
                                             f"rnnlens.maxDocumentSize ({settings.max_document_size:,}); it is not "
                                             f"analysed. {fix}")
            return False
        if "\x00" in snapshot.text[:BINARY_PROBE]:
            self.messages.warn(snapshot.uri, f"RNN Lens: {snapshot.uri} looks like a binary file (it has NUL "
                                             f"characters); it is not analysed.", error=False)
            return False
        self.messages.forget(snapshot.uri)
        return True

    def report_once(self, text: str) -> None:
        """Show an error popup, unless the same one was shown since the settings last changed."""
        self.messages.report(text)

    # ----- states and outputs -------------------------------------------------------------
    def sync_timeline(self, prepared: Prepared) -> None:
        """Give the timeline this snapshot's ids (call with the timeline's lock held)."""
        prepared.timeline.set_ids(prepared.ids, prepared.resets)

    def output_at(self, prepared: Prepared, top_hidden: np.ndarray, top_k: int = 5) -> dict[str, Any]:
        """The model's output after the token: next-word top-k (LM) or class probabilities (classifier)."""
        return prepared.output_after(top_hidden, top_k)

    def explain_word(self, prepared: Prepared, word: str) -> WordExplanation:
        """The service's word profile on the chosen statistics, memoised per clustering key."""
        view = prepared.view
        key = self.cluster_key(prepared.model, view)
        return self.word_profiles.get(key, word, lambda: self.service.explain_word(
            prepared.model.name, word, layer=view.layer, state=view.state, k=view.k, corpus=key.corpus))

    def refresh_clusters(self, cancel: Callable[[], bool]) -> None:
        """Cluster the current view's units now, on this thread (after an evaluation it takes seconds)."""
        model = self.model()
        view = self.view_for(model)
        key = self.cluster_key(model, view)
        self.clusters.set_labels(key, self._compute_clusters(key, lambda fraction, message: None, cancel))
        self.cluster_notifications.done(key, None)

    # ----- clusters (background) ----------------------------------------------------------
    def _compute_clusters(self, key: ClusterKey, progress: Progress, cancel: Callable[[], bool]) -> np.ndarray:
        result = self.service.cocluster(key.model, layer=key.layer, state=key.state, k=key.k, progress=progress,
                                        cancel=cancel, corpus=key.corpus)
        return np.asarray(result.unit_labels)

    def _clusters_at_hand(self, key: ClusterKey) -> np.ndarray | None:
        """Labels the service has without computing (a sample's shipped ones); a problem is left to the job."""
        try:
            result = self.service.cocluster_at_hand(key.model, layer=key.layer, state=key.state, k=key.k,
                                                    corpus=key.corpus)
        except RnnLensError:
            return None
        return None if result is None else np.asarray(result.unit_labels)

    def provenance(self, key: ClusterKey) -> dict[str, Any] | None:
        """The statistics behind `key`'s clusters, as the status notification carries them."""
        try:
            # The view's states only: a sample's shipped statistics answer without an evaluation.
            view = (f"layer{key.layer}.{key.state}",)
            return self.service.statistics(key.model, key.corpus, states=view).provenance.to_json()
        except RnnLensError:
            return None

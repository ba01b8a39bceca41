"""Which model the language server explains, from which registry and analysis service, and which
of its states the glyphs show (`View`). Both are built on first use and rebuilt when the folders
of models change; the panel's stream asks the same service, so both see the same statistics."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from rnnlens.errors import RnnLensError
from rnnlens.lsp.clusters import ClusterKey
from rnnlens.lsp.settings import Settings
from rnnlens.models.device import resolve_device
from rnnlens.models.loaded import LoadedModel
from rnnlens.models.registry import ModelRegistry
from rnnlens.service import AnalysisService

PREFERRED_MODEL = "brown-lstm"


@dataclass(frozen=True)
class View:
    """Which state the glyphs show: `layer{layer}.{state}` with `k` unit clusters."""

    layer: int
    state: str
    k: int

    @property
    def name(self) -> str:
        return f"layer{self.layer}.{self.state}"


class ModelChoice:
    def __init__(self, settings: Settings):
        self.settings = settings
        self._lock = threading.RLock()
        self._registry: ModelRegistry | None = None
        self._service: AnalysisService | None = None

    def follow(self, old: Settings, new: Settings) -> bool:
        """Take the settings `new` (replacing `old`); True when the model in use may have changed."""
        with self._lock:
            if new.model_paths != old.model_paths:
                self._registry = None
                self._service = None
            self.settings = new
            if self._service is not None:  # the panel's stream asks the same service: same statistics
                self._service.corpus = new.corpus
                self._service.device = resolve_device(new.device)
        return (new.model, new.model_paths) != (old.model, old.model_paths)

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
                self._service.device = resolve_device(self.settings.device)
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

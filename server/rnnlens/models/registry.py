"""Find models by name: the shipped samples, folders on `modelPaths`, and `module:function` specs."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path

from rnnlens.errors import RnnLensError
from rnnlens.models.adapter import is_entry_point, load_entry_point
from rnnlens.models.loaded import LoadedModel
from rnnlens.models.storage import is_model_dir, load_model
from rnnlens.paths import SAMPLE_MODELS_DIR


class ModelRegistry:
    """Names -> model folders or entry points; loads lazily and keeps loaded models."""

    def __init__(self, model_paths: Iterable[str | Path] = (), include_samples: bool = True):
        self._lock = threading.Lock()
        self._loaded: dict[str, LoadedModel] = {}
        self.entry_points: list[str] = []
        self.folders: dict[str, Path] = {}
        roots = [SAMPLE_MODELS_DIR] if include_samples else []
        for item in model_paths:
            text = str(item)
            if is_entry_point(text) and not Path(text).exists():
                self.entry_points.append(text)
            else:
                roots.append(Path(text).expanduser())
        for root in roots:
            if is_model_dir(root):
                self.folders.setdefault(root.name, root)
            elif root.is_dir():
                for child in sorted(root.iterdir()):
                    if is_model_dir(child):
                        self.folders.setdefault(child.name, child)

    def names(self) -> list[str]:
        return list(self.folders) + self.entry_points

    def get(self, name: str) -> LoadedModel:
        with self._lock:
            if name in self._loaded:
                return self._loaded[name]
            model = self._load(name)
            self._loaded[name] = model
            return model

    def _load(self, name: str) -> LoadedModel:
        if name in self.folders:
            return load_model(self.folders[name], name=name)
        path = Path(name).expanduser()
        if is_model_dir(path):
            return load_model(path)
        if is_entry_point(name):
            return load_entry_point(name, search_path=Path.cwd())
        known = ", ".join(self.names()) or "none"
        raise RnnLensError(f"unknown model {name!r}. Known models: {known}. A model is a folder with "
                           f"config.json and weights.safetensors, or a module:function entry point.")

    def describe_all(self) -> list[dict]:
        rows = []
        for name in self.names():
            try:
                rows.append(self.get(name).describe())
            except RnnLensError as exc:
                rows.append({"name": name, "error": str(exc)})
        return rows

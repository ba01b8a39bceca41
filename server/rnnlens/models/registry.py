"""Find models by name: the shipped samples, the user's models folder, folders on `modelPaths`,
and the entry points the user declared there.

A name only *selects* among what is registered (or is a path to a model folder, which holds
data, never code). Code runs only for an entry point declared in `model_paths` (`--model-path`
on the command line, `modelPaths` in the editor's machine-scoped settings): a name such as
`os:abort` that was not declared is an unknown model, and nothing is imported.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rnnlens.errors import RnnLensError
from rnnlens.models.adapter import load_entry_point
from rnnlens.models.entry_points import EntryPoint, parse_entry_point
from rnnlens.models.loaded import LoadedModel
from rnnlens.models.storage import CONFIG_FILE, WEIGHTS_FILE, is_model_dir, load_model
from rnnlens.paths import SAMPLE_MODELS_DIR, user_models_dir

MODEL_PATH_HELP = ("a model folder, a folder of model folders, or an entry point to import: module:function "
                   "(importable from this Python's path) or path/to/file.py:function (repeatable)")


class ModelRegistry:
    """Names -> model folders or declared entry points; loads lazily and keeps loaded models.

    `registry.get(name).name == name` always holds, so a name handed on (to the cache, the
    panel, a later request) finds the same model again.
    """

    def __init__(self, model_paths: Iterable[str | Path] = (), include_samples: bool = True,
                 include_user_models: bool | None = None):
        self._lock = threading.Lock()
        self._loaded: dict[str, LoadedModel] = {}
        self.entry_points: dict[str, EntryPoint] = {}
        self.folders: dict[str, Path] = {}
        self.problems: list[str] = []  # model_paths entries that could not be used, one line each
        roots = [SAMPLE_MODELS_DIR] if include_samples else []
        if include_samples if include_user_models is None else include_user_models:
            roots.append(user_models_dir())
        for item in model_paths:
            text = str(item).strip()
            path = Path(text).expanduser()
            if path.is_dir():
                roots.append(path)
                continue
            entry = parse_entry_point(text)
            if entry is not None:
                self.entry_points.setdefault(entry.spec, entry)
            else:
                self.problems.append(f"model path {text!r} is neither a folder nor an entry point "
                                     f"(module:function or path/to/file.py:function)")
        for root in roots:
            for folder in _model_folders(root):
                if self.folders.setdefault(folder.name, folder) != folder:
                    self.problems.append(f"model folder {folder} is hidden by {self.folders[folder.name]} of the "
                                         f"same name; give its path as the model instead")

    def names(self) -> list[str]:
        return list(self.folders) + list(self.entry_points)

    def get(self, name: str) -> LoadedModel:
        if not isinstance(name, str) or not name.strip():
            raise RnnLensError(f"a model name must be a non-empty string, got {name!r}")
        with self._lock:
            if name in self._loaded:
                return self._loaded[name]
            model = self._load(name)
            self._loaded[name] = model
            return model

    def _load(self, name: str) -> LoadedModel:
        if name in self.folders:
            return load_model(self.folders[name], name=name)
        if name in self.entry_points:
            return load_entry_point(self.entry_points[name].spec)
        path = Path(name).expanduser()
        if is_model_dir(path):
            return load_model(path, name=name)  # a folder holds data only: any path may be named
        if path.is_dir():
            lacking = " and ".join(f for f in (CONFIG_FILE, WEIGHTS_FILE) if not (path / f).is_file())
            raise RnnLensError(f"model folder {path} has no {lacking} (as regular files)")
        known = ", ".join(self.names()) or "none"
        hint = ("; code runs only from an entry point declared with --model-path or the modelPaths setting"
                if parse_entry_point(name) is not None else "")
        raise RnnLensError(f"unknown model {name!r}{hint}. Known models: {known}. A model is a registered name, "
                           f"or the path of a folder with {CONFIG_FILE} and {WEIGHTS_FILE}.")

    def describe_all(self) -> list[dict[str, Any]]:
        """One row per model; a model that fails to load marks its own row with `error`."""
        rows: list[dict[str, Any]] = []
        for name in self.names():
            try:
                rows.append(self.get(name).describe())
            except RnnLensError as exc:
                rows.append({"name": name, "error": str(exc)})
        return rows


def _model_folders(root: Path) -> list[Path]:
    if is_model_dir(root):
        return [root]
    try:
        if not root.is_dir():
            return []
        return [child for child in sorted(root.iterdir()) if is_model_dir(child)]
    except OSError:
        return []  # an unreadable folder lists no models; naming one of its paths still explains why

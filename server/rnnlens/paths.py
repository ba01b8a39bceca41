"""Where RNN Lens keeps things on disk: the shipped samples, the user's cache and models folder."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from rnnlens.errors import RnnLensError

PACKAGE_DIR = Path(__file__).resolve().parent
# server/rnnlens -> repository root (an editable install or a checkout).
REPO_ROOT = PACKAGE_DIR.parent.parent
SAMPLES_DIR = REPO_ROOT / "samples"
SAMPLE_MODELS_DIR = SAMPLES_DIR / "models"
SAMPLE_TEXTS_DIR = SAMPLES_DIR / "texts"


def cache_dir() -> Path:
    """The user cache (corpora, analysis results). RNNLENS_CACHE overrides it (tests use this)."""
    override = os.environ.get("RNNLENS_CACHE")
    path = Path(override) if override else Path(platformdirs.user_cache_dir("rnnlens"))
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass  # whoever writes there says so; the analysis cache once, then analyses uncached
    return path


def corpora_dir() -> Path:
    path = cache_dir() / "corpora"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RnnLensError(f"cannot create the corpora folder {path}: {exc.strerror or exc}; set RNNLENS_CACHE "
                           "to a folder you can write") from None
    return path


def user_models_dir() -> Path:
    """Where `rnnlens train` puts models by default, and where the registry looks without flags.

    RNNLENS_MODELS overrides it (tests use this). Not created here: listing must not write.
    """
    override = os.environ.get("RNNLENS_MODELS")
    return Path(override).expanduser() if override else Path(platformdirs.user_data_dir("rnnlens")) / "models"

"""Fixtures for the analysis tests: a service over the tiny models with its own cache folder."""

from pathlib import Path

import numpy as np
import pytest
from rnnlens.models.registry import ModelRegistry
from rnnlens.service import AnalysisService

SENTENCES = [
    "the food was good and the staff was very helpful .",
    "the movie was bad , the staff is not helpful .",
    "i love the food though the movie was terrible !",
    "it was a great movie but the food was bad .",
]


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = np.random.default_rng(0)
    path = tmp_path_factory.mktemp("corpus") / "reviews.txt"
    path.write_text("\n".join(rng.choice(SENTENCES) for _ in range(120)), encoding="utf-8")
    return path


@pytest.fixture
def service(tiny_models: Path, tmp_path: Path) -> AnalysisService:
    return AnalysisService(ModelRegistry([tiny_models], include_samples=False), cache_root=tmp_path / "cache")


@pytest.fixture
def chosen(tiny_models: Path, tmp_path: Path, corpus_file: Path) -> AnalysisService:
    """A service told to use `corpus_file` for every call that names no corpus (like --corpus)."""
    return AnalysisService(ModelRegistry([tiny_models], include_samples=False), cache_root=tmp_path / "cache",
                           corpus=[corpus_file])

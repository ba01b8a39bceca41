"""What a name selects: samples, the user's models folder, model_paths, declared entry points,
and any model folder by its path (a folder holds data only)."""

import pytest
from rnnlens.errors import RnnLensError
from rnnlens.models.registry import ModelRegistry

from tests.conftest import make_model_dir


def test_a_folder_path_loads_under_the_name_it_was_given(tmp_path, monkeypatch):
    folder = make_model_dir(tmp_path / "anywhere", "mine")
    registry = ModelRegistry(include_samples=False)
    by_path = registry.get(str(folder))
    assert by_path.name == str(folder) and by_path.path == folder
    assert registry.get(by_path.name) is by_path  # handing the name on finds the same model
    monkeypatch.chdir(tmp_path)
    assert registry.get("anywhere/mine").num_layers == 2


def test_a_folder_without_model_files_says_what_is_missing(tmp_path):
    with pytest.raises(RnnLensError, match="has no config.json and weights.safetensors \\(as regular files\\)"):
        ModelRegistry(include_samples=False).get(str(tmp_path))


def test_the_user_models_folder_is_listed_without_flags(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNLENS_MODELS", str(tmp_path))
    make_model_dir(tmp_path, "trained-here")
    registry = ModelRegistry()
    assert "trained-here" in registry.names() and "brown-lstm" in registry.names()
    assert "trained-here" not in ModelRegistry(include_samples=False).names()  # tests stay hermetic


def test_unusable_model_paths_are_reported_not_ignored(tmp_path):
    registry = ModelRegistry([str(tmp_path / "missing-folder"), "not an entry point"], include_samples=False)
    assert len(registry.problems) == 2 and "missing-folder" in registry.problems[0]


@pytest.mark.parametrize("name", ["", "   "])
def test_an_empty_name_is_refused(name):
    with pytest.raises(RnnLensError, match="non-empty"):
        ModelRegistry(include_samples=False).get(name)


def test_a_folder_whose_weights_are_a_folder_names_the_file(tmp_path):
    folder = make_model_dir(tmp_path, "m")
    (folder / "weights.safetensors").unlink()
    (folder / "weights.safetensors").mkdir()
    with pytest.raises(RnnLensError, match=r"has no weights.safetensors \(as regular files\)"):
        ModelRegistry(include_samples=False).get(str(folder))

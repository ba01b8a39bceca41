"""Models on disk: round trip without pickle, and clear errors for every kind of broken file."""

import json

import pytest
import torch
from rnnlens.errors import RnnLensError
from rnnlens.models.storage import load_model

from tests.conftest import make_model_dir


@pytest.mark.parametrize("cell, task", [("rnn", "lm"), ("gru", "lm"), ("lstm", "lm"), ("gru", "classifier")])
def test_saved_model_loads_with_identical_outputs(tmp_path, cell, task):
    directory = make_model_dir(tmp_path, "m", cell=cell, task=task)
    model = load_model(directory)
    ids = torch.tensor([[4, 5, 6, 7]])
    logits, _ = model.module(ids)
    assert torch.allclose(model.trace(ids).outputs, logits, atol=1e-6)
    assert model.task == task and model.cell == cell and model.num_layers == 2
    assert model.describe()["vocab_size"] == len(model.vocab)


def test_truncated_weights_name_the_file(tmp_path):
    directory = make_model_dir(tmp_path, "m")
    weights = directory / "weights.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    with pytest.raises(RnnLensError, match="corrupt or truncated") as info:
        load_model(directory)
    assert str(weights) in str(info.value)


def test_weights_that_do_not_match_the_config(tmp_path):
    directory = make_model_dir(tmp_path, "m", hidden=16)
    config = json.loads((directory / "config.json").read_text())
    config["hidden_size"] = 32
    config["embed_size"] = 32
    (directory / "config.json").write_text(json.dumps(config))
    with pytest.raises(RnnLensError, match="shape"):
        load_model(directory)


def test_missing_and_malformed_files(tmp_path):
    directory = make_model_dir(tmp_path, "m")
    (directory / "vocab.json").unlink()
    with pytest.raises(RnnLensError, match="vocabulary file not found"):
        load_model(directory)
    (directory / "config.json").write_text("{ broken")
    with pytest.raises(RnnLensError, match="config.json is not valid JSON"):
        load_model(directory)
    with pytest.raises(RnnLensError, match="not found"):
        load_model(tmp_path / "nowhere")


def test_unknown_cell_in_config(tmp_path):
    directory = make_model_dir(tmp_path, "m")
    config = json.loads((directory / "config.json").read_text())
    config["cell"] = "transformer"
    (directory / "config.json").write_text(json.dumps(config))
    with pytest.raises(RnnLensError, match="unknown cell 'transformer'"):
        load_model(directory)


def test_loading_never_unpickles(tmp_path, monkeypatch):
    directory = make_model_dir(tmp_path, "m")

    def refuse(*args, **kwargs):
        raise AssertionError("pickle used")

    monkeypatch.setattr("pickle.load", refuse)
    monkeypatch.setattr("pickle.loads", refuse)
    monkeypatch.setattr(torch, "load", refuse)
    assert load_model(directory).num_layers == 2

"""Broken model folders are refused at load with one line naming the file and the field; in
`rnnlens models` a broken folder marks only its own row."""

import json

import pytest
import torch
from rnnlens.cli.main import main
from rnnlens.errors import RnnLensError
from rnnlens.models.storage import load_model
from safetensors.torch import load_file, save_file

from tests.conftest import make_model_dir


def edit_json(path, **changes):
    data = json.loads(path.read_text())
    data.update(changes)
    path.write_text(json.dumps(data))


@pytest.mark.parametrize("changes, field", [
    ({"tie_weights": "no"}, "tie_weights must be true or false"),
    ({"num_layers": 2.0}, "num_layers must be a whole number, got 2.0"),
    ({"num_layers": True}, "num_layers must be a whole number"),
    ({"dropout": 2.0}, "dropout must be in [0.0, 1.0)"),
    ({"dropout": "x"}, "dropout must be a number, got 'x'"),
    ({"vocab_size": 1e10}, "vocab_size must be a whole number"),
    ({"vocab_size": 10_000_000_000}, "vocab_size must be between"),
    ({"hidden_size": 0}, "hidden_size must be between 1"),
    ({"labels": "a,b"}, "labels must be a list of strings"),
])
def test_config_values_of_the_wrong_type_or_range(tmp_path, changes, field):
    directory = make_model_dir(tmp_path, "m")
    edit_json(directory / "config.json", **changes)
    with pytest.raises(RnnLensError) as info:
        load_model(directory)
    assert field in str(info.value) and str(directory / "config.json") in str(info.value)


def test_tie_weights_true_with_a_stored_head_is_refused(tmp_path):
    directory = make_model_dir(tmp_path, "m", task="lm")  # tied: head.weight is not stored
    weights = directory / "weights.safetensors"
    tensors = load_file(str(weights))
    tensors["head.weight"] = torch.randn_like(tensors["embedding.weight"])
    save_file(tensors, str(weights))
    with pytest.raises(RnnLensError, match="tie_weights is true, but .* holds its own head.weight"):
        load_model(directory)


def test_tie_weights_false_without_a_head_is_refused(tmp_path):
    directory = make_model_dir(tmp_path, "m", task="lm")
    edit_json(directory / "config.json", tie_weights=False)
    with pytest.raises(RnnLensError, match="tie_weights is false, but .* has no head.weight"):
        load_model(directory)


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_weights_with_nan_or_infinity_name_the_tensor(tmp_path, bad):
    directory = make_model_dir(tmp_path, "m")
    weights = directory / "weights.safetensors"
    tensors = load_file(str(weights))
    tensors["layers.1.weight_hh_l0"][0, 0] = bad
    save_file(tensors, str(weights))
    with pytest.raises(RnnLensError, match=r"tensor layers\.1\.weight_hh_l0 holds NaN or infinity"):
        load_model(directory)


def test_a_vocabulary_that_is_a_folder(tmp_path):
    directory = make_model_dir(tmp_path, "m")
    (directory / "vocab.json").unlink()
    (directory / "vocab.json").mkdir()
    with pytest.raises(RnnLensError, match="vocab.json is not a regular file"):
        load_model(directory)


@pytest.mark.parametrize("field, value", [("data", "brown"), ("test_metric", 0.9), ("data", {"corpus": 3})])
def test_a_card_with_a_malformed_field(tmp_path, field, value):
    directory = make_model_dir(tmp_path, "m")
    edit_json(directory / "card.json", **{field: value})
    with pytest.raises(RnnLensError, match=f"card.json: {field}"):
        load_model(directory)


def test_one_bad_card_marks_only_its_own_row(tmp_path, capsys):
    make_model_dir(tmp_path, "good")
    edit_json(make_model_dir(tmp_path, "broken") / "card.json", data="brown")
    assert main(["models", "--model-path", str(tmp_path)]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert "ERROR" in lines["broken"] and "card.json: data must be a JSON object" in lines["broken"]
    assert "ERROR" not in lines["good"] and "lm" in lines["good"]


def test_labels_that_do_not_match_the_head(tmp_path):
    directory = make_model_dir(tmp_path, "m", task="classifier")
    edit_json(directory / "config.json", labels=["negative", "neutral", "positive"])
    with pytest.raises(RnnLensError, match="labels lists 3 classes but .* has a head with 2 outputs"):
        load_model(directory)


def test_a_classifier_head_under_an_lm_config(tmp_path):
    directory = make_model_dir(tmp_path, "m", task="classifier")
    edit_json(directory / "config.json", task="lm", labels=[])
    with pytest.raises(RnnLensError, match="vocab_size is .* but .* has a head with 2 outputs"):
        load_model(directory)

"""`aux_loss` (a classifier also learns its label at every step) and `average_epochs` (the saved weights
average the epochs around the kept one): checked, carded and resumable like the other keys."""

import json
from pathlib import Path

import pytest
import torch
from rnnlens.cli.main import main
from rnnlens.errors import RnnLensError
from rnnlens.train.config import TrainConfig
from rnnlens.train.trainer import every_step_loss
from safetensors.torch import load_file

SMALL = {"name": "rt-aux", "output": "model", "corpus": "rotten-tomatoes", "task": "classifier", "cell": "gru",
         "num_layers": 1, "embed_size": 8, "hidden_size": 8, "tie_weights": False, "min_count": 5,
         "max_vocab": 300, "max_length": 6, "epochs": 1}


@pytest.fixture(autouse=True)
def user_models(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNLENS_MODELS", str(tmp_path / "user-models"))


def write(folder: Path, **config) -> Path:
    path = folder / "clf.json"
    path.write_text(json.dumps({**SMALL, **config}))
    return path


def test_every_step_loss_is_the_mean_over_real_steps_only():
    logits = torch.randn(2, 3, 2)
    gold = torch.tensor([0, 1])
    lengths = torch.tensor([3, 1])  # the second row's last two steps are padding
    ce = torch.nn.functional.cross_entropy
    expected = (ce(logits[0], gold[0].repeat(3), reduction="sum") + ce(logits[1, :1], gold[1:], reduction="sum")) / 4
    assert torch.allclose(every_step_loss(logits, lengths, gold), expected)


@pytest.mark.parametrize("config, words", [({"aux_loss": -0.5}, "aux_loss must be in"),
                                           ({"aux_loss": "0.5"}, "aux_loss must be a number"),
                                           ({"aux_loss": 0.5, "task": "lm"}, "aux_loss is for task 'classifier'")])
def test_a_bad_aux_loss_is_one_line_naming_the_key(tmp_path, config, words):
    with pytest.raises(RnnLensError, match=words):
        TrainConfig.load(write(tmp_path, **config))


def test_the_card_lists_aux_loss_only_when_set(tmp_path):
    assert main(["train", str(write(tmp_path))]) == 0
    card = json.loads((tmp_path / "model" / "card.json").read_text())
    assert "aux_loss" not in card["hyperparameters"]
    assert main(["train", str(write(tmp_path, aux_loss=0.5)), "--fresh"]) == 0
    card = json.loads((tmp_path / "model" / "card.json").read_text())
    assert card["hyperparameters"]["aux_loss"] == 0.5
    assert "aux_loss=0.5" in (tmp_path / "model" / "README.md").read_text()


def test_a_checkpoint_written_before_the_key_existed_resumes_unchanged(tmp_path, capsys):
    path = write(tmp_path)
    assert main(["train", str(path)]) == 0
    progress_path = tmp_path / "model.checkpoint" / "progress.json"
    progress = json.loads(progress_path.read_text())
    del progress["config"]["aux_loss"]  # as an older checkpoint has it
    progress_path.write_text(json.dumps(progress))
    write(tmp_path, epochs=2)
    assert main(["train", str(path)]) == 0
    assert "resuming rt-aux after epoch 1" in capsys.readouterr().err
    card = json.loads((tmp_path / "model" / "card.json").read_text())
    assert card["training"]["resumes"] == [{"after_epoch": 1, "forced": False, "changed": {}}]


@pytest.mark.parametrize("value, words", [(2, "average_epochs must be odd"), (0, "average_epochs must be"),
                                          (1.0, "average_epochs must be")])
def test_a_bad_average_epochs_is_one_line_naming_the_key(tmp_path, value, words):
    with pytest.raises(RnnLensError, match=words):
        TrainConfig.load(write(tmp_path, average_epochs=value))


def test_average_epochs_saves_the_mean_of_the_epochs_around_the_kept_one(tmp_path):
    assert main(["train", str(write(tmp_path, epochs=3, patience=3, average_epochs=3, half=False))]) == 0
    card = json.loads((tmp_path / "model" / "card.json").read_text())
    kept = card["training"]["kept_epoch"]
    window = [e for e in (kept - 1, kept, kept + 1) if 1 <= e <= 3]
    assert card["training"]["averaged"]["epochs"] == window
    assert 0.0 <= card["training"]["averaged"]["valid_accuracy"] <= 1.0
    assert card["hyperparameters"]["average_epochs"] == 3
    epochs = [load_file(str(tmp_path / "model.checkpoint" / "epochs" / f"{e}.safetensors")) for e in window]
    saved = load_file(str(tmp_path / "model" / "weights.safetensors"))
    for key in epochs[0]:
        assert torch.allclose(saved[key].float(), sum(ep[key] for ep in epochs) / len(epochs), atol=1e-6), key
    assert "saved weights: the mean of epochs" in (tmp_path / "model" / "README.md").read_text()

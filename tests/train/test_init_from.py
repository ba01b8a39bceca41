"""`init_from`: a classifier starts from a language model's embedding and recurrent layers
(ULMFiT-style pretraining), and a source that would not mean the same thing is refused."""

import json
from pathlib import Path

import pytest
import torch
from rnnlens.cli.main import main
from rnnlens.errors import RnnLensError
from rnnlens.models.config import ModelConfig
from rnnlens.models.storage import load_network
from rnnlens.train.card import build_card
from rnnlens.train.config import TrainConfig
from rnnlens.train.trainer import Trainer

SHAPE = {"corpus": "rotten-tomatoes", "cell": "gru", "num_layers": 1, "embed_size": 12, "hidden_size": 16,
         "tie_weights": False, "min_count": 3, "max_vocab": 400}


@pytest.fixture(autouse=True)
def user_models(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNLENS_MODELS", str(tmp_path / "user-models"))


def write(folder: Path, file: str, **config) -> Path:
    path = folder / file
    path.write_text(json.dumps(config))
    return path


@pytest.fixture
def pretrained(tmp_path) -> Path:
    """A tiny language model on the Rotten Tomatoes train text (no labels used)."""
    path = write(tmp_path, "lm.json", name="rt-lm", output="lm", task="lm", batch_size=8, bptt=10, epochs=1,
                 max_train_tokens=1500, **SHAPE)
    assert main(["train", str(path)]) == 0
    return tmp_path / "lm"


def classifier(folder: Path, **overrides) -> Trainer:
    config = {"name": "rt-clf", "output": "clf", "task": "classifier", "max_length": 8, "epochs": 1,
              "init_from": "lm", **SHAPE, **overrides}
    path = write(folder, "clf.json", **config)
    return Trainer(TrainConfig.load(path), folder, command="test", source=str(path))


def test_the_classifier_starts_with_the_language_models_body_and_a_new_head(tmp_path, pretrained):
    lm, _ = load_network(pretrained)
    trainer = classifier(tmp_path)
    ours = trainer.model.state_dict()
    for key, value in lm.state_dict().items():
        if key.startswith("head."):
            assert ours[key].shape != value.shape  # 2 classes, not the vocabulary
        else:
            assert torch.equal(ours[key], value), key
    assert trainer.init_from["copied"] == sorted(k for k in ours if not k.startswith("head."))


def test_the_card_says_where_the_run_started(tmp_path, pretrained):
    card = classifier(tmp_path).run()
    assert card["hyperparameters"]["init_from"] == "lm"
    assert card["training"]["init_from"]["folder"] == "lm"
    assert card["training"]["init_from"]["source_card"]["name"] == "rt-lm"
    assert "started from `lm`" in (tmp_path / "clf" / "README.md").read_text()


def test_a_run_without_init_from_lists_no_such_key():
    config = TrainConfig(name="x", corpus="brown")
    card = build_card(config, ModelConfig(cell="gru", task="lm", vocab_size=10, embed_size=4, hidden_size=4,
                                          num_layers=1, dropout=0.0, tie_weights=True, labels=[]),
                      "c", "perplexity", 1.0, {"epoch": 1, "best_epoch": 1, "seconds": 0.0, "history": []},
                      data={}, baseline={})
    assert "init_from" not in card["hyperparameters"]


@pytest.mark.parametrize("override, words", [({"hidden_size": 20}, "hidden_size 16"),
                                              ({"cell": "lstm"}, "cell 'gru'"),
                                              ({"max_vocab": 300}, "another vocabulary"),
                                              ({"init_from": "nowhere"}, "init_from folder not found")])
def test_a_source_that_does_not_fit_is_refused_with_the_reason(tmp_path, pretrained, override, words):
    with pytest.raises(RnnLensError, match=words):
        classifier(tmp_path, **override)


def test_init_from_must_be_a_non_empty_string(tmp_path):
    for bad in ("", 3):
        path = write(tmp_path, "bad.json", name="x", corpus="brown", init_from=bad)
        with pytest.raises(RnnLensError, match="init_from"):
            TrainConfig.load(path)

"""`rnnlens train` on a real corpus: a short run writes a loadable model whose card tells what
it was computed from, resumes only an unchanged config, and lands in the user's models folder."""

import json

import pytest
from rnnlens.cli.main import main
from rnnlens.data.corpora import load_corpus, split_documents
from rnnlens.models.storage import load_model
from rnnlens.train import batches
from rnnlens.train.kneser_ney import KneserNeyTrigram
from rnnlens.train.metrics import lm_eval_rows, lm_perplexity


@pytest.fixture(autouse=True)
def user_models(tmp_path, monkeypatch):
    folder = tmp_path / "user-models"
    monkeypatch.setenv("RNNLENS_MODELS", str(folder))
    return folder


def write_config(folder, **overrides):
    config = {"name": "quick-gru", "corpus": "brown", "output": "model", "cell": "gru", "num_layers": 1,
              "embed_size": 16, "hidden_size": 16, "max_vocab": 500, "batch_size": 8, "bptt": 10,
              "epochs": 1, "max_train_tokens": 1500}
    config.update(overrides)
    path = folder / "train.json"
    path.write_text(json.dumps(config))
    return path


def test_the_card_says_what_the_numbers_were_computed_from(tmp_path):
    assert main(["train", str(write_config(tmp_path))]) == 0
    card = json.loads((tmp_path / "model" / "card.json").read_text())
    model = load_model(tmp_path / "model")
    # The network trained on the first 1500 train tokens cut to 8 whole rows: 1496 tokens.
    assert card["data"]["split_sizes"]["train"] == 1496 == card["baseline"]["fitted_on"]["tokens"]
    assert card["data"]["documents"]["train"] > card["data"]["documents_used"]["train"] >= 1
    assert card["training"]["kept_epoch"] == 1
    # The baseline is re-fitted here from exactly what the card claims, and scored on the same targets.
    splits = split_documents(load_corpus("brown"))
    train = batches.token_stream(splits["train"], model.vocab, limit=1500)[:1496].tolist()
    test = batches.token_stream(splits["test"], model.vocab)
    kn = KneserNeyTrigram(len(model.vocab)).fit(train).perplexity_rows(lm_eval_rows(test))
    assert card["baseline"]["test_perplexity"] == pytest.approx(kn, abs=1e-3)
    # The test metric is that of the weights as saved (fp16), not of the float32 ones in memory.
    assert card["test_metric"]["value"] == pytest.approx(lm_perplexity(model.module, test), abs=1e-3)
    readme = (tmp_path / "model" / "README.md").read_text()
    assert "kept: epoch 1" in readme and "fitted on the train data the network saw (1496 tokens)" in readme


def test_resume_continues_an_unchanged_config_for_more_epochs(tmp_path, capsys):
    path = write_config(tmp_path)
    assert main(["train", str(path)]) == 0
    write_config(tmp_path, epochs=2)  # more epochs is the same training, continued
    assert main(["train", str(path)]) == 0
    assert "resuming quick-gru after epoch 1" in capsys.readouterr().err
    card = json.loads((tmp_path / "model" / "card.json").read_text())
    assert [h["epoch"] for h in card["training"]["history"]] == [1, 2]
    assert card["training"]["resumes"] == [{"after_epoch": 1, "forced": False, "changed": {}}]


def test_resume_refuses_a_changed_config_unless_forced(tmp_path, capsys):
    path = write_config(tmp_path)
    assert main(["train", str(path)]) == 0
    write_config(tmp_path, epochs=2, lr=0.01, max_train_tokens=3000)
    capsys.readouterr()
    assert main(["train", str(path)]) == 2
    err = capsys.readouterr().err
    assert "training config changed since the checkpoint" in err and "lr 0.002 -> 0.01" in err
    assert "max_train_tokens 1500 -> 3000" in err and err.count("\n") == 1
    assert main(["train", str(path), "--force"]) == 0
    card = json.loads((tmp_path / "model" / "card.json").read_text())
    assert card["training"]["resumes"][0]["forced"] is True
    assert card["training"]["resumes"][0]["changed"]["lr"] == [0.002, 0.01]
    assert "--force" in card["command"]
    assert "with --force, settings changed: lr 0.002 -> 0.01" in (tmp_path / "model" / "README.md").read_text()


def test_a_checkpoint_of_another_architecture_is_one_line_even_forced(tmp_path, capsys):
    path = write_config(tmp_path)
    assert main(["train", str(path)]) == 0
    write_config(tmp_path, hidden_size=24, embed_size=24)
    capsys.readouterr()
    assert main(["train", str(path), "--force"]) == 2
    err = capsys.readouterr().err
    assert "does not fit this config's model" in err and "--fresh" in err and err.count("\n") == 1


def test_without_output_the_model_lands_in_the_user_models_folder(tmp_path, user_models, capsys):
    config = json.loads(write_config(tmp_path).read_text())
    del config["output"]
    (tmp_path / "train.json").write_text(json.dumps(config))
    assert main(["train", str(tmp_path / "train.json")]) == 0
    out = capsys.readouterr().out
    assert f"model written to {user_models / 'quick-gru'}" in out
    assert "use it: rnnlens analyze FILE --model quick-gru" in out
    assert main(["models"]) == 0  # listed without flags
    assert any(line.startswith("quick-gru ") for line in capsys.readouterr().out.splitlines())


@pytest.mark.parametrize("overrides, message", [
    ({"batch_size": 0}, "batch_size must be between 1"),
    ({"bptt": 0}, "bptt must be between 1"),
    ({"lr": "fast"}, "lr must be a number, got 'fast'"),
    ({"dropout": 2}, "dropout must be in [0.0, 1.0)"),
    ({"num_layers": "2"}, "num_layers must be a whole number, got '2'"),
    ({"num_layers": 2.0}, "num_layers must be a whole number, got 2.0"),
    ({"epochs": 0}, "epochs must be between 1"),
    ({"tie_weights": "no"}, "tie_weights must be true or false"),
    ({"name": "../escape"}, "name must be a plain folder name"),
    ({"cell": "transformer", "unknown_key": 1}, "unknown keys ['unknown_key']"),
    ({"output": "."}, "exists and is not a model folder"),
    ({"task": "classifier"}, "corpus 'brown' has none"),
])
def test_bad_configs_are_one_line_naming_the_file_and_key(tmp_path, capsys, overrides, message):
    path = write_config(tmp_path, **overrides)
    assert main(["train", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and str(tmp_path) in err
    assert err.count("\n") == 1 and "Traceback" not in err and "checkpoint" not in err


def test_missing_and_folder_configs(tmp_path, capsys):
    assert main(["train", str(tmp_path / "missing.json")]) == 2
    assert "training config not found" in capsys.readouterr().err
    (tmp_path / "folder.json").mkdir()
    assert main(["train", str(tmp_path / "folder.json")]) == 2
    assert "is a folder, not a JSON file" in capsys.readouterr().err


def test_a_name_a_sample_already_has_is_used_by_its_path(tmp_path, user_models, capsys):
    config = json.loads(write_config(tmp_path, name="brown-lstm").read_text())
    del config["output"]
    (tmp_path / "train.json").write_text(json.dumps(config))
    assert main(["train", str(tmp_path / "train.json")]) == 0
    out = capsys.readouterr().out
    assert f"use it: rnnlens analyze FILE --model {user_models / 'brown-lstm'}" in out  # not the sample's name

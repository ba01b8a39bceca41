"""`rnnlens train` on a real corpus: a short run writes a loadable model with its card, and resumes."""

import json

from rnnlens.cli.main import main
from rnnlens.models.storage import load_model


def write_config(folder, **overrides):
    config = {"name": "quick-gru", "corpus": "brown", "output": "model", "cell": "gru", "num_layers": 1,
              "embed_size": 16, "hidden_size": 16, "max_vocab": 500, "batch_size": 8, "bptt": 10,
              "epochs": 1, "max_train_tokens": 1500}
    config.update(overrides)
    path = folder / "train.json"
    path.write_text(json.dumps(config))
    return path


def test_train_writes_model_card_and_resumes(tmp_path, capsys):
    path = write_config(tmp_path)
    assert main(["train", str(path)]) == 0
    card = json.loads((tmp_path / "model" / "card.json").read_text())
    assert card["test_metric"]["name"] == "perplexity" and card["test_metric"]["value"] > 1
    assert card["baseline"]["test_perplexity"] > 1
    assert card["data"]["split_sizes"]["train"] == 1500
    assert "rnnlens train" in card["command"]
    assert "## Test metric" in (tmp_path / "model" / "README.md").read_text()
    model = load_model(tmp_path / "model")
    assert model.cell == "gru" and len(model.vocab) <= 500

    write_config(tmp_path, epochs=2)
    assert main(["train", str(path)]) == 0
    assert "resuming quick-gru after epoch 1" in capsys.readouterr().err
    card = json.loads((tmp_path / "model" / "card.json").read_text())
    assert [h["epoch"] for h in card["training"]["history"]] == [1, 2]


def test_train_reports_a_bad_config_without_traceback(tmp_path, capsys):
    path = write_config(tmp_path, cell="transformer", unknown_key=1)
    assert main(["train", str(path)]) == 2
    err = capsys.readouterr().err
    assert "unknown keys ['unknown_key']" in err and "Traceback" not in err
    assert main(["train", str(tmp_path / "missing.json")]) == 2
    assert "training config not found" in capsys.readouterr().err

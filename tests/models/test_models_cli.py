"""`rnnlens models --json` lists samples and user models with the fields tools rely on."""

import json

from rnnlens.cli.main import main


def test_models_json_lists_user_folders_and_entry_points(tiny_models, capsys):
    assert main(["models", "--json", "--model-path", str(tiny_models),
                 "--model-path", "tests.models.user_lstm:load"]) == 0
    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out)}
    assert {"tiny-lstm-lm", "tiny-gru-classifier", "tests.models.user_lstm:load"} <= set(rows)
    for row in rows.values():
        assert {"name", "task", "cell", "layers", "hidden_size", "vocab_size", "test_metric"} <= set(row)
    assert rows["tiny-gru-classifier"]["task"] == "classifier"
    assert rows["tiny-lstm-lm"]["cell"] == "lstm" and rows["tiny-lstm-lm"]["layers"] == 2


def test_shipped_samples_are_listed_with_their_test_metric(capsys):
    assert main(["models", "--json"]) == 0
    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out)}
    assert "rt-gru" in rows
    assert rows["rt-gru"]["test_metric"]["name"] == "accuracy"

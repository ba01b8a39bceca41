"""`rnnlens analyze --reset`: a classifier's document read in units, one prediction a unit."""

from __future__ import annotations

import json

import pytest
from rnnlens.cli.main import main

REVIEWS = "the food was good .\n\nthe staff is not helpful .\ni love the movie !\n"


@pytest.fixture
def cli(tiny_models, tmp_path, monkeypatch, capsys, corpus_file):
    monkeypatch.setenv("RNNLENS_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "reviews.txt"
    path.write_text(REVIEWS)

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["analyze", str(path), "--model", "tiny-gru-classifier", "--corpus", str(corpus_file),
                     "--clusters", "3", *args, "--model-path", str(tiny_models)])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def test_a_classifier_predicts_each_line_by_default(cli):
    code, out, _ = cli()
    assert code == 0 and "state restarts: lines" in out
    predictions = [line for line in out.splitlines() if line.startswith("=> ")]
    assert [p.split(":")[0] for p in predictions] == ["=> line 1", "=> line 3", "=> line 4"]  # editor lines
    code, out, _ = cli("--json")
    data = json.loads(out)
    assert data["reset"] == "lines" and [u["line"] for u in data["units"]] == [0, 2, 3]
    for unit in data["units"]:
        first, stop = unit["tokens"]
        assert REVIEWS[unit["start"]:unit["end"]] == REVIEWS.splitlines()[unit["line"]]
        assert unit["prediction"] == data["tokens"][stop - 1]["output"]
        assert data["tokens"][first]["glyph"][0]["kept"] == 0  # restarted: nothing held before
    assert data["prediction"] == data["units"][-1]["prediction"]


def test_paragraphs_and_none(cli):
    code, out, _ = cli("--reset", "paragraphs", "--json")
    assert code == 0 and [u["line"] for u in json.loads(out)["units"]] == [0, 2]
    code, out, _ = cli("--reset", "none")
    assert code == 0 and [line.split(":")[0] for line in out.splitlines() if line.startswith("=> ")] == ["=> text"]


def test_a_wrong_reset_is_one_line(cli):
    with pytest.raises(SystemExit):  # argparse names the choices
        cli("--reset", "sentences")

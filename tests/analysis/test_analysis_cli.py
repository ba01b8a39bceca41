"""The CLI contract of evaluate / cocluster / analyze / compare, run in-process like a user would."""

import json

import pytest
from rnnlens.cli.main import main


@pytest.fixture
def cli(tiny_models, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("RNNLENS_CACHE", str(tmp_path / "cache"))

    def run(*args):
        code = main([*args, "--model-path", str(tiny_models)])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def test_evaluate_then_cocluster_json(cli, corpus_file):
    code, out, _ = cli("evaluate", "--model", "tiny-lstm-lm", "--corpus", str(corpus_file))
    assert code == 0 and "tokens" in out
    code, out, _ = cli("cocluster", "--model", "tiny-lstm-lm", "--clusters", "3", "--json")
    data = json.loads(out)
    assert code == 0
    assert len(data["word_clusters"]) == 3 and all(isinstance(w, str) for c in data["word_clusters"] for w in c)
    assert sorted(u for c in data["unit_clusters"] for u in c) == list(range(16))
    assert len(data["links"]) == 3 and all(len(row) == 3 for row in data["links"])
    assert data["state"] == "c" and data["layer"] == 2


def test_analyze_json_has_spans_into_the_file(cli, corpus_file, tmp_path):
    cli("evaluate", "--model", "tiny-gru-lm", "--corpus", str(corpus_file))
    text = "The staff is not helpful, though I love the food."
    path = tmp_path / "review.txt"
    path.write_text(text, encoding="utf-8")
    code, out, _ = cli("analyze", str(path), "--model", "tiny-gru-lm", "--clusters", "4", "--json")
    data = json.loads(out)
    assert code == 0
    for token in data["tokens"]:
        assert text[token["start"]:token["end"]] == token["text"]
        assert len(token["glyph"]) == 4
    code, out, _ = cli("analyze", str(path), "--model", "tiny-gru-lm", "--clusters", "4", "--layer", "1")
    assert code == 0 and "though" in out and "kept" in out


def test_compare_prints_a_similarity(cli, corpus_file):
    for name in ("tiny-gru-lm", "tiny-rnn-lm"):
        cli("evaluate", "--model", name, "--corpus", str(corpus_file))
    code, out, _ = cli("compare", "--model", "tiny-gru-lm", "--model", "tiny-rnn-lm", "-k", "3", "--json")
    assert code == 0 and 0 <= json.loads(out)["similarity"] <= 1


@pytest.mark.parametrize("args,message", [
    (("cocluster", "--model", "nope"), "unknown model"),
    (("evaluate", "--model", "tiny-gru-lm", "--corpus", "nonexistent-corpus"), "unknown corpus"),
    (("cocluster", "--model", "tiny-gru-lm"), "does not name the corpus"),
    (("analyze", "/no/such/file.txt", "--model", "tiny-gru-lm"), "not found"),
    (("compare", "--model", "tiny-gru-lm"), "exactly two"),
])
def test_bad_input_exits_non_zero_with_a_message(cli, args, message):
    code, _, err = cli(*args)
    assert code == 2 and message in err and "Traceback" not in err


def test_too_many_clusters_and_missing_layer(cli, corpus_file):
    cli("evaluate", "--model", "tiny-gru-lm", "--corpus", str(corpus_file))
    code, _, err = cli("cocluster", "--model", "tiny-gru-lm", "--clusters", "50")
    assert code == 2 and "choose k <=" in err
    code, _, err = cli("cocluster", "--model", "tiny-gru-lm", "--layer", "3")
    assert code == 2 and "no layer 3" in err


def test_empty_and_binary_files(cli, tmp_path):
    empty, binary = tmp_path / "empty.txt", tmp_path / "blob.txt"
    empty.write_text("")
    binary.write_bytes(b"\x89PNG\x00\x00\x01" * 50)
    for path, message in ((empty, "empty"), (binary, "binary")):
        code, _, err = cli("analyze", str(path), "--model", "tiny-gru-lm")
        assert code == 2 and message in err

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
    assert code == 0 and "tokens" in out and f"# statistics: {corpus_file}" in out
    code, out, _ = cli("cocluster", "--model", "tiny-lstm-lm", "--corpus", str(corpus_file), "--clusters", "3",
                       "--json")
    data = json.loads(out)
    assert code == 0
    provenance = data["provenance"]
    assert provenance["corpus"] == str(corpus_file) and provenance["model"] == "tiny-lstm-lm"
    assert set(provenance) == {"model", "weights", "corpus", "split", "tokens", "distinct_words", "unknown_rate",
                               "tokenizer", "engine_version"}
    assert len(data["word_clusters"]) == 3 and all(isinstance(w, str) for c in data["word_clusters"] for w in c)
    assert sorted(u for c in data["unit_clusters"] for u in c) == list(range(16))
    assert len(data["links"]) == 3 and all(len(row) == 3 for row in data["links"])
    assert data["state"] == "c" and data["layer"] == 2


def test_analyze_json_has_spans_into_the_file(cli, corpus_file, tmp_path):
    text = "The staff is not helpful, though I love the food."
    path = tmp_path / "review.txt"
    path.write_text(text, encoding="utf-8")
    code, out, _ = cli("analyze", str(path), "--model", "tiny-gru-lm", "--corpus", str(corpus_file), "--clusters", "4",
                       "--json")
    data = json.loads(out)
    assert code == 0
    assert data["provenance"]["corpus"] == str(corpus_file) and data["text_unknown_rate"] == 0.0
    for token in data["tokens"]:
        assert text[token["start"]:token["end"]] == token["text"]
        assert len(token["glyph"]) == 4
    code, out, _ = cli("analyze", str(path), "--model", "tiny-gru-lm", "--corpus", str(corpus_file), "--clusters",
                       "4", "--layer", "1")
    assert code == 0 and "though" in out and "kept" in out and f"# statistics: {corpus_file}" in out


def test_compare_prints_a_similarity(cli, corpus_file):
    code, out, _ = cli("compare", "--model", "tiny-gru-lm", "--model", "tiny-rnn-lm", "-k", "3", "--json",
                       "--corpus", str(corpus_file))
    data = json.loads(out)
    assert code == 0 and 0 <= data["similarity"] <= 1
    assert [p["model"] for p in data["provenance"]] == ["tiny-gru-lm", "tiny-rnn-lm"]
    code, out, _ = cli("compare", "--model", "tiny-gru-lm", "--model", "tiny-rnn-lm", "-k", "3",
                       "--corpus", str(corpus_file))
    assert code == 0 and f"# A statistics: {corpus_file}" in out and f"# B statistics: {corpus_file}" in out


@pytest.mark.parametrize("args,message", [
    (("cocluster", "--model", "nope"), "unknown model"),
    (("evaluate", "--model", "tiny-gru-lm", "--corpus", "nonexistent-corpus"), "unknown corpus"),
    (("cocluster", "--model", "tiny-gru-lm"), "names no corpus"),
    (("analyze", "/no/such/file.txt", "--model", "tiny-gru-lm"), "not found"),
    (("compare", "--model", "tiny-gru-lm"), "exactly two"),
])
def test_bad_input_exits_non_zero_with_a_message(cli, args, message):
    code, _, err = cli(*args)
    assert code == 2 and message in err and "Traceback" not in err


def test_too_many_clusters_and_missing_layer(cli, corpus_file):
    code, _, err = cli("cocluster", "--model", "tiny-gru-lm", "--corpus", str(corpus_file), "--clusters", "50")
    assert code == 2 and "choose k <=" in err
    code, _, err = cli("cocluster", "--model", "tiny-gru-lm", "--corpus", str(corpus_file), "--layer", "3")
    assert code == 2 and "no layer 3" in err


def test_empty_and_binary_files(cli, tmp_path):
    empty, binary = tmp_path / "empty.txt", tmp_path / "blob.txt"
    empty.write_text("")
    binary.write_bytes(b"\x89PNG\x00\x00\x01" * 50)
    for path, message in ((empty, "empty"), (binary, "binary")):
        code, _, err = cli("analyze", str(path), "--model", "tiny-gru-lm")
        assert code == 2 and message in err


def test_a_model_without_a_corpus_names_both_fixes(cli):
    code, _, err = cli("cocluster", "--model", "tiny-gru-lm")
    assert code == 2 and "--corpus" in err and "UserModel(corpus=...)" in err


def test_analyze_warns_about_out_of_domain_text(cli, corpus_file, tmp_path):
    path = tmp_path / "code.txt"
    path.write_text("def zz(qq): return ww + the xx yy food", encoding="utf-8")
    code, out, err = cli("analyze", str(path), "--model", "tiny-gru-lm", "--corpus", str(corpus_file), "-k", "3")
    assert code == 0 and "out-of-domain" in err and "unknown" in out


def test_evaluate_warns_when_most_of_the_corpus_is_unknown(cli, tmp_path):
    path = tmp_path / "docstrings.txt"
    path.write_text("Return the parsed value of the argument . " * 30, encoding="utf-8")
    code, out, err = cli("evaluate", "--model", "tiny-gru-lm", "--corpus", str(path), "--json")
    assert code == 0 and json.loads(out)["unknown_rate"] > 0.5 and "out-of-domain" in err


def test_a_snapshot_carries_the_provenance_of_its_statistics(cli, corpus_file, tmp_path):
    import base64
    import re

    from rnnlens.protocol.codec import decode_message

    panel = tmp_path / "panel"
    panel.mkdir()
    (panel / "panel.css").write_text("", encoding="utf-8")
    (panel / "panel.js").write_text("", encoding="utf-8")
    out = tmp_path / "snap.html"
    code, _, err = cli("snapshot", "--model", "tiny-gru-lm", "--corpus", str(corpus_file), "-k", "3",
                       "--panel-dir", str(panel), "-o", str(out))
    assert code == 0 and f"statistics {corpus_file}, " in err
    body = re.search(r'<script type="text/plain" id="rnnlens-snapshot">(.*?)</script>', out.read_text(), re.S)
    assert body is not None
    messages = {m["type"]: m for m in (decode_message(base64.b64decode(line), "server")
                                       for line in body.group(1).split())}
    assert messages["cocluster_view"]["view"]["provenance"]["corpus"] == str(corpus_file)
    assert messages["glyph_view"]["glyphs"]["provenance"]["corpus"] == str(corpus_file)

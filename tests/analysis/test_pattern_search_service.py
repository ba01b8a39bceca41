"""Pattern search through the service and `rnnlens match`: the index is made with the statistics and
cached with their provenance, a span of the corpus finds itself, and bad input is one clear message."""

import json

import pytest
from rnnlens.analysis.pattern_search import POS_UNKNOWN
from rnnlens.cli.main import main
from rnnlens.data import corpora
from rnnlens.errors import RnnLensError
from rnnlens.store.cache import AnalysisCache


def test_a_corpus_span_finds_itself_with_every_unit_on(chosen, corpus_file):
    text = corpus_file.read_text(encoding="utf-8")
    line_end = text.index("\n", text.index("\n") + 1)  # the second line, traced in its context
    result = chosen.match("tiny-lstm-lm", text[: line_end + 1], line_end - 12, line_end, threshold=0.05, top=50)
    query = result.query
    assert query.units and query.threshold == 0.05
    # The corpus is this file, so the same states are on there: a match covers the span with every unit on.
    assert any(m.document == 0 and m.start <= query.start and m.end >= query.end and m.shared == len(query.units)
               for m in result.matches)
    assert result.provenance.corpus == str(corpus_file)


def test_the_index_is_cached_with_the_statistics_provenance(chosen, tmp_path):
    statistics = chosen.statistics("tiny-lstm-lm")
    entry = chosen.cache.load("patterns", statistics.key)
    assert entry is not None
    arrays, meta = entry
    assert meta["provenance"] == statistics.provenance.to_json()
    assert int(arrays["doc_starts"][-1]) == statistics.stats.tokens


def test_statistics_without_an_index_are_evaluated_once_more(chosen):
    statistics = chosen.statistics("tiny-lstm-lm")
    (chosen.cache.root / "patterns" / f"{statistics.key}.json").unlink()
    chosen._patterns.clear()
    index, again = chosen.pattern_index("tiny-lstm-lm")
    assert index.tokens == again.stats.tokens and again.key == statistics.key


def test_an_unindexed_threshold_and_an_empty_hypothesis_are_refused(chosen):
    with pytest.raises(RnnLensError, match="0.05, 0.1, 0.2, 0.3, 0.5"):
        chosen.match("tiny-lstm-lm", "the food was good", threshold=0.42)
    with pytest.raises(RnnLensError, match="holds no token"):
        chosen.match("tiny-lstm-lm", "the food was good", 100, 120)


def without_brown(monkeypatch):
    """As on a machine where the Brown corpus (the source of part-of-speech tags) is not fetched."""
    monkeypatch.delitem(corpora._CACHE, "brown", raising=False)  # loaded by an earlier test in this process


def test_cli_match_json(tiny_models, tmp_path, monkeypatch, capsys, corpus_file):
    monkeypatch.setenv("RNNLENS_CACHE", str(tmp_path / "cache"))
    without_brown(monkeypatch)
    tags = {"the": "AT", "food": "NN", "movie": "NN", "though": "CS"}  # planted: Brown's table, as cached
    AnalysisCache(tmp_path / "cache" / "analysis").save_json("pos", "brown", tags)
    query = tmp_path / "query.txt"
    query.write_text("i love the food though the movie was terrible !\n", encoding="utf-8")
    code = main(["match", str(query), "--range", "7:31", "--model", "tiny-lstm-lm", "--corpus", str(corpus_file),
                 "--json", "--top", "5", "--model-path", str(tiny_models)])
    out = capsys.readouterr().out
    assert code == 0
    data = json.loads(out)
    assert data["query"]["tokens"] == ["the", "food", "though", "the", "movie"]
    assert 1 <= len(data["matches"]) <= 5 and data["provenance"]["corpus"] == str(corpus_file)
    first = data["matches"][0]
    assert set(first) >= {"document", "start", "end", "text", "score", "jaccard", "before", "after", "pos"}
    assert first["pos"] == [tags.get(token, "?") for token in first["tokens"]]  # "?" where Brown lacks the word


def test_without_brown_a_match_has_no_tags_and_the_cli_says_why(tiny_models, tmp_path, monkeypatch, capsys,
                                                                 corpus_file):
    monkeypatch.setenv("RNNLENS_CACHE", str(tmp_path / "cache"))
    without_brown(monkeypatch)
    query = tmp_path / "query.txt"
    query.write_text("i love the food though the movie was terrible !\n", encoding="utf-8")
    arguments = ["match", str(query), "--range", "7:31", "--model", "tiny-lstm-lm", "--corpus", str(corpus_file),
                 "--top", "5", "--model-path", str(tiny_models)]
    assert main([*arguments, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["matches"] and all(m["pos"] is None for m in data["matches"]) and data["pos_patterns"] == []
    assert main(arguments) == 0
    out = capsys.readouterr().out
    assert POS_UNKNOWN in out and "? ?" not in out and "shared parts of speech" not in out
    assert sum(p["matches"] for p in data["pos_patterns"]) <= len(data["matches"])
    code = main(["match", "--text", "x", "--range", "0:1", "--model", "tiny-lstm-lm", "--model-path", str(tiny_models)])
    assert code == 2 and "--range goes with FILE" in capsys.readouterr().err

"""Corpora read as streams: text files, gzip, JSON Lines with a named field, folders and globs."""

import gzip
import json

import pytest
from rnnlens.errors import RnnLensError
from rnnlens.store.corpus_source import resolve_corpus
from rnnlens.store.keys import text_hash

DOCS = ["the food was good .", "the staff was not helpful .", "i love the movie ."]


@pytest.fixture
def shapes(tmp_path):
    """The same three documents as .txt files, .gz files, one JSON Lines file and a gzipped one."""
    (tmp_path / "txt").mkdir()
    (tmp_path / "gz").mkdir()
    for i, doc in enumerate(DOCS):
        (tmp_path / "txt" / f"{i}.txt").write_text(doc)
        with gzip.open(tmp_path / "gz" / f"{i}.txt.gz", "wt") as handle:
            handle.write(doc)
    lines = "".join(json.dumps({"id": i, "body": doc}) + "\n" for i, doc in enumerate(DOCS))
    (tmp_path / "data.jsonl").write_text(lines)
    with gzip.open(tmp_path / "data.jsonl.gz", "wt") as handle:
        handle.write(lines.replace('"body"', '"text"'))
    return tmp_path


def test_every_shape_streams_the_same_documents_with_one_content_hash(shapes):
    sources = [resolve_corpus(str(shapes / "txt")), resolve_corpus(str(shapes / "gz")),
               resolve_corpus(str(shapes / "data.jsonl") + "#body"), resolve_corpus(shapes / "data.jsonl.gz"),
               resolve_corpus(str(shapes / "txt" / "*.txt")), resolve_corpus(str(shapes / "data.jsonl"), text_field="body")]
    for source in sources:
        assert list(source.texts()) == DOCS
        assert source.content_hash == text_hash(DOCS)  # the cache key does not depend on the file format


def test_documents_are_read_lazily_each_time_they_are_iterated(shapes):
    source = resolve_corpus(str(shapes / "txt" / "*.txt"))
    (shapes / "txt" / "2.txt").unlink()  # gone after the hash was taken
    texts = source.texts()
    assert next(texts) == DOCS[0]  # the first file is read without touching the others
    with pytest.raises(RnnLensError, match="2.txt"):
        list(texts)


def test_a_json_line_without_the_field_names_the_file_line_and_the_fix(shapes):
    with pytest.raises(RnnLensError, match=r"data.jsonl line 1 has no text field 'text'.*--text-field"):
        resolve_corpus(shapes / "data.jsonl")


def test_a_glob_that_matches_nothing_says_so(shapes):
    with pytest.raises(RnnLensError, match="no files match"):
        resolve_corpus(str(shapes / "nothing-*.jsonl"))


def test_evaluate_reads_json_lines_with_a_text_field(tiny_models, shapes, tmp_path, monkeypatch, capsys):
    from rnnlens.cli.main import main

    monkeypatch.setenv("RNNLENS_CACHE", str(tmp_path / "cache"))
    code = main(["evaluate", "--model-path", str(tiny_models / "tiny-gru-lm"), "--model", "tiny-gru-lm",
                 "--corpus", str(shapes / "data.jsonl"), "--text-field", "body", "--json"])
    assert code == 0
    assert json.loads(capsys.readouterr().out)["tokens"] == sum(len(d.split()) for d in DOCS)

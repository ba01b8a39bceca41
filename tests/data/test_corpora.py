"""Corpora fetched from the registries: checked, split deterministically, tags and labels kept."""

import pytest
from rnnlens.data import sources
from rnnlens.data.corpora import brown_tag, load_corpus, majority_tags, split_documents, split_of
from rnnlens.errors import RnnLensError


def test_splits_are_deterministic_disjoint_and_roughly_80_10_10():
    corpus = load_corpus("rotten-tomatoes")
    splits = split_documents(corpus)
    ids = {name: {d.id for d in docs} for name, docs in splits.items()}
    assert not (ids["train"] & ids["test"]) and not (ids["train"] & ids["valid"]) and not (ids["valid"] & ids["test"])
    # A snippet that occurs twice has one id, so it can never sit in train and test at once.
    assert sum(map(len, ids.values())) == len({d.id for d in corpus.documents})
    assert 0.07 < len(ids["test"]) / len(corpus.documents) < 0.13
    assert all(split_of(d.id) == "test" for d in splits["test"])


def test_brown_keeps_part_of_speech_tags():
    corpus = load_corpus("brown")
    assert len(corpus.documents) == 500
    tags = majority_tags(corpus)
    assert tags["the"] == "at" and tags["said"] == "vbd" and tags["jury"] == "nn"
    assert brown_tag("nn-tl") == "nn" and brown_tag("fw-nn") == "nn" and brown_tag("vbd*") == "vbd"
    assert '"' in corpus.documents[0].text and "``" not in corpus.documents[0].text


def test_rotten_tomatoes_has_two_labels_and_no_plot_summaries():
    corpus = load_corpus("rotten-tomatoes")
    assert corpus.labels == ["negative", "positive"]
    assert {d.label for d in corpus.documents} == {"negative", "positive"}
    assert 12_000 < len(corpus.documents) < 13_500


def test_sotu_addresses_are_plain_text():
    corpus = load_corpus("sotu")
    assert len(corpus.documents) > 200
    assert "Fellow-Citizens" in corpus.documents[0].text


def test_incomplete_downloads_fail_their_check(tmp_path):
    (tmp_path / "ca01").write_text("The/at jury/nn")
    assert "expected 500 Brown files" in sources.SOURCES["brown"].check(tmp_path)
    assert "missing" in sources.SOURCES["rotten-tomatoes"].check(tmp_path)


def test_unknown_corpus_names_list_the_known_ones():
    with pytest.raises(RnnLensError, match="known corpora: brown, sotu, rotten-tomatoes"):
        load_corpus("imdb")

"""A corpus's content hash is remembered across processes, so finding cached statistics does not
re-read the corpus; a changed file, a changed reader or a bad entry never serves an old hash."""

import os
from pathlib import Path

import pytest
from rnnlens.models.registry import ModelRegistry
from rnnlens.service import AnalysisService
from rnnlens.store import corpus_hash_memo, corpus_source
from rnnlens.store.corpus_source import durable_fingerprint, resolve_corpus

TEXT = "the food was good . the staff was helpful .\nthe movie was bad .\n" * 20


@pytest.fixture
def reads(monkeypatch):
    """How often a corpus's texts are read (resolved and hashed) by the service."""
    calls = []
    real = corpus_source.resolve_corpus

    def counting(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr("rnnlens.service.resolve_corpus", counting)
    return calls


def _service(tiny_models: Path, cache: Path, corpus: Path) -> AnalysisService:
    """A fresh service: nothing memoised in memory, as in a new process."""
    return AnalysisService(ModelRegistry([tiny_models], include_samples=False), cache_root=cache, corpus=[corpus])


def test_a_new_process_finds_cached_statistics_without_reading_the_corpus(tiny_models, tmp_path, reads):
    corpus = tmp_path / "reviews.txt"
    corpus.write_text(TEXT, encoding="utf-8")
    first = _service(tiny_models, tmp_path / "cache", corpus).statistics("tiny-lstm-lm")
    assert len(reads) >= 1
    reads.clear()
    again = _service(tiny_models, tmp_path / "cache", corpus).statistics("tiny-lstm-lm")
    assert reads == []  # the hash was remembered and the statistics came from the cache
    assert again.key == first.key and again.stats.tokens == first.stats.tokens
    assert again.provenance.corpus_label == first.provenance.corpus_label == str(corpus)


def test_an_edited_corpus_is_read_again_and_gets_new_statistics(tiny_models, tmp_path, reads):
    corpus = tmp_path / "reviews.txt"
    corpus.write_text(TEXT, encoding="utf-8")
    first = _service(tiny_models, tmp_path / "cache", corpus).statistics("tiny-lstm-lm")
    corpus.write_text(TEXT + "a great movie .\n", encoding="utf-8")
    stat = corpus.stat()
    os.utime(corpus, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # a new time even on coarse clocks
    reads.clear()
    second = _service(tiny_models, tmp_path / "cache", corpus).statistics("tiny-lstm-lm")
    assert reads and second.key != first.key and second.stats.tokens > first.stats.tokens


def test_same_size_and_time_but_other_text_is_caught_when_the_text_is_read(tiny_models, tmp_path):
    corpus = tmp_path / "reviews.txt"
    corpus.write_text(TEXT, encoding="utf-8")
    stat = corpus.stat()
    _service(tiny_models, tmp_path / "cache", corpus).statistics("tiny-lstm-lm", states=())
    corpus.write_text(TEXT.replace("good", "bads"), encoding="utf-8")  # same length
    os.utime(corpus, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # the fingerprint cannot tell
    fingerprint = durable_fingerprint([corpus])
    now = resolve_corpus([corpus]).content_hash
    assert corpus_hash_memo.recall(tmp_path / "cache", fingerprint) != now
    # Another model has nothing cached, so it evaluates: it reads the text, its statistics follow
    # what it read (the new word is counted), and the memo is corrected.
    fresh = _service(tiny_models, tmp_path / "cache", corpus)
    evaluated = fresh.statistics("tiny-gru-lm")
    assert any("differs" in notice for notice in fresh.notices)
    assert corpus_hash_memo.recall(tmp_path / "cache", fingerprint) == now
    words = evaluated.stats.words
    assert "good" in words and "food" in words
    def count(word: str) -> int:
        row = evaluated.stats.row_of(words.index(word))
        return 0 if row is None else int(evaluated.stats.count[row])

    assert count("good") == 0 and count("food") == 20  # "good" was replaced everywhere in the text read


def test_a_damaged_entry_or_a_changed_reader_is_not_remembered(tmp_path, monkeypatch):
    corpus = tmp_path / "c.txt"
    corpus.write_text(TEXT, encoding="utf-8")
    fingerprint = durable_fingerprint([corpus])
    corpus_hash_memo.remember(tmp_path, fingerprint, "0123456789abcdef0123")
    assert corpus_hash_memo.recall(tmp_path, fingerprint) == "0123456789abcdef0123"
    entry = next((tmp_path / corpus_hash_memo.FOLDER).iterdir())
    entry.write_bytes(b"\xff\x00 not a hash")
    assert corpus_hash_memo.recall(tmp_path, fingerprint) is None
    corpus_hash_memo.remember(tmp_path, fingerprint, "0123456789abcdef0123")
    monkeypatch.setattr(corpus_hash_memo, "_readers_version", lambda: "another reader")
    assert corpus_hash_memo.recall(tmp_path, fingerprint) is None


def test_nothing_is_remembered_where_the_cache_cannot_be_written(tmp_path):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the folder should be", encoding="utf-8")
    corpus = tmp_path / "c.txt"
    corpus.write_text(TEXT, encoding="utf-8")
    corpus_hash_memo.remember(blocked, durable_fingerprint([corpus]), "0123456789abcdef0123")  # no error
    assert corpus_hash_memo.recall(blocked, durable_fingerprint([corpus])) is None


def test_a_missing_file_or_an_unfetched_corpus_has_no_durable_fingerprint(tmp_path):
    assert durable_fingerprint([tmp_path / "missing.txt"]) is None
    assert durable_fingerprint("no-such-corpus") is None



def test_the_memo_keeps_at_most_its_bound_the_oldest_dropped(tmp_path, monkeypatch):
    monkeypatch.setattr(corpus_hash_memo, "MAX_ENTRIES", 3)
    fingerprints = [(("file", n),) for n in range(5)]
    for n, fingerprint in enumerate(fingerprints):
        corpus_hash_memo.remember(tmp_path, fingerprint, f"{n:020x}")
        for entry in (tmp_path / corpus_hash_memo.FOLDER).iterdir():  # distinct times on coarse clocks
            os.utime(entry, ns=(entry.stat().st_atime_ns, entry.stat().st_mtime_ns - 10_000_000))
    assert len(list((tmp_path / corpus_hash_memo.FOLDER).iterdir())) == 3
    assert [corpus_hash_memo.recall(tmp_path, f) for f in fingerprints] == [None, None, f"{2:020x}", f"{3:020x}",
                                                                             f"{4:020x}"]

"""Token ids spilled by the first pass and read back by the later ones: the same documents, the
text tokenised once, nothing left on disk, and a full disk or an unfinished pass only costs time."""

import os
import subprocess
import sys

import numpy as np
import pytest
from rnnlens.errors import Cancelled
from rnnlens.models.loaded import LoadedModel
from rnnlens.store import encoded_spill as spill_module
from rnnlens.store.corpus_source import resolve_corpus
from rnnlens.store.encoded_spill import encoded_spill


def planted_documents():
    rng = np.random.default_rng(11)
    return [rng.integers(0, 50_000, n).astype(np.int32) for n in [0, 5, 1, 0, 300, 4097, 2, 0]]


class Counting:
    """`encode()` for EncodedSpill.passes, counting how often the text was encoded."""

    def __init__(self, documents):
        self.documents = documents
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return iter([d.copy() for d in self.documents])


def assert_same(got, expected):
    assert len(got) == len(expected)
    for a, b in zip(got, expected, strict=True):
        assert a.dtype == np.int32
        np.testing.assert_array_equal(a, b)


def test_later_passes_read_back_what_the_first_encoded(tmp_path):
    documents = planted_documents()
    encode = Counting(documents)
    with encoded_spill(tmp_path) as ids:
        for _ in range(3):
            assert_same(list(ids.passes(encode)), documents)
        assert encode.calls == 1 and ids.complete
        folder = ids.folder
        assert folder is not None and (folder / "ids.bin").stat().st_size == 4 * sum(len(d) for d in documents)
    assert not folder.exists()  # removed with the evaluation


def test_an_unfinished_first_pass_is_encoded_again(tmp_path):
    documents = planted_documents()
    encode = Counting(documents)
    with encoded_spill(tmp_path) as ids:
        first = ids.passes(encode)
        next(first), next(first)  # a pass stopped early (an error, a cancel)
        first.close()
        assert not ids.complete
        assert_same(list(ids.passes(encode)), documents)
        assert_same(list(ids.passes(encode)), documents)
        assert encode.calls == 2


def test_a_full_disk_only_means_encoding_again(tmp_path):
    documents = planted_documents()
    encode = Counting(documents)
    with encoded_spill(tmp_path) as ids:
        (ids.folder / "ids.bin").symlink_to("/dev/full")  # every write: ENOSPC
        for _ in range(3):
            assert_same(list(ids.passes(encode)), documents)
        assert ids.failed and not ids.complete and encode.calls == 3


def test_no_folder_no_spill(tmp_path):
    documents = planted_documents()
    encode = Counting(documents)
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache folder should be")
    with encoded_spill(blocked) as ids:  # spill/ cannot be made under a file
        assert ids.folder is None
        for _ in range(2):
            assert_same(list(ids.passes(encode)), documents)
    assert encode.calls == 2


def test_folders_of_processes_that_died_are_removed_and_live_ones_kept(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    parent = tmp_path / spill_module.FOLDER
    orphan = parent / f"{int(dead.stdout)}-abc"
    live = parent / f"{os.getppid()}-def"
    for folder in (orphan, live):
        folder.mkdir(parents=True)
        (folder / "ids.bin").write_bytes(b"\0" * 64)
    with encoded_spill(tmp_path):
        pass
    assert not orphan.exists() and live.exists()


def test_evaluation_tokenises_the_corpus_once(service, corpus_file, monkeypatch):
    calls = []
    tokenize = LoadedModel.tokenize
    monkeypatch.setattr(LoadedModel, "tokenize", lambda self, text: calls.append(text) or tokenize(self, text))
    statistics = service.statistics("tiny-lstm-lm", [corpus_file])
    documents = list(resolve_corpus([corpus_file]).texts())
    assert statistics.stats.tokens > 0
    assert sorted(calls) == sorted(documents)  # each document once, not once a pass (counting, tracing)
    assert not any((service.cache.root / spill_module.FOLDER).iterdir())  # nothing left on disk


def test_no_spill_file_outlives_a_cancelled_evaluation(service, corpus_file):
    with pytest.raises(Cancelled):  # at the first batch: the counting pass has spilled the ids by then
        service.statistics("tiny-lstm-lm", [corpus_file], cancel=lambda: True)
    assert not any((service.cache.root / spill_module.FOLDER).iterdir())

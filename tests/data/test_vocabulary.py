"""Vocabularies: deterministic order, min-count/max-size, reserved symbols, clear load errors."""

import json
from collections import Counter

import pytest
from rnnlens.data.vocabulary import SPECIALS, UNK, Vocabulary
from rnnlens.errors import RnnLensError


def test_build_orders_by_frequency_then_alphabet_and_applies_limits():
    counts = Counter({"the": 10, "cat": 3, "bat": 3, "rare": 1})
    vocab = Vocabulary.build(counts, min_count=2)
    assert vocab.words == [*SPECIALS, "the", "bat", "cat"]
    assert Vocabulary.build(counts, max_size=len(SPECIALS) + 1).words == [*SPECIALS, "the"]


def test_unknown_words_map_to_unk():
    vocab = Vocabulary.from_tokens(["a", "b"])
    assert vocab.encode(["a", "zzz"]) == [vocab.id_of("a"), vocab.index[UNK]]


def test_save_and_load_round_trip(tmp_path):
    vocab = Vocabulary.from_tokens(["x", "y", "y"])
    vocab.save(tmp_path / "v.json")
    assert Vocabulary.load(tmp_path / "v.json").words == vocab.words


@pytest.mark.parametrize("content, message", [
    ("not json", "not a JSON list"),
    (json.dumps({"a": 1}), "list of strings"),
    (json.dumps(["a", "b"]), "<unk>"),
    (json.dumps(["<unk>", "a", "a"]), "twice"),
])
def test_bad_vocabulary_files_name_the_file(tmp_path, content, message):
    path = tmp_path / "vocab.json"
    path.write_text(content)
    with pytest.raises(RnnLensError, match=message) as info:
        Vocabulary.load(path)
    assert str(path) in str(info.value)

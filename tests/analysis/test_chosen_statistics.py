"""Statistics are chosen, never inherited; every output names them; cache keys cover everything
that changes a number (issue 10: provenance, explicit statistics, cache keys)."""

import json
import sys

import numpy as np
import pytest
import torch
from rnnlens.cli.main import main
from rnnlens.data.tokenizer import Token, tokenize
from rnnlens.models.adapter import UserModel, from_user_model
from rnnlens.models.registry import ModelRegistry
from rnnlens.service import AnalysisService, stats_key
from torch import nn

REVIEWS = ("the food was good and the staff was very helpful . i love it but the movie was bad .\n"
           "the staff is not helpful , the food was terrible ! a great movie .\n") * 15
PETS = ("the cat sat on the mat . a dog ran in the park and the cat sat .\n"
        "the dog was good but the cat was bad . i love the park .\n") * 15
WORDS = ["<pad>", "<unk>", "the", "food", "staff", "movie", "was", "is", "good", "bad", "great", "terrible",
         "helpful", "not", "very", "i", "love", "it", "and", "but", ".", ",", "!", "a", "cat", "sat", "on", "mat",
         "dog", "ran", "in", "park"]
USER_MODULE = '''
import torch
from torch import nn
from rnnlens.models.adapter import UserModel

WORDS = {words!r}


def load():
    torch.manual_seed(3)
    return UserModel(embedding=nn.Embedding(len(WORDS), 8), rnn=nn.LSTM(8, 12), head=nn.Linear(12, len(WORDS)),
                     vocabulary=WORDS, task="lm", corpus={corpus!r})
'''


@pytest.fixture
def user_cli(tmp_path, monkeypatch, capsys):
    """`rnnlens …` in-process for a user model `userlens_scenario:load` whose card corpus is reviews.txt."""
    corpus_a, corpus_b = tmp_path / "reviews.txt", tmp_path / "pets.txt"
    corpus_a.write_text(REVIEWS, encoding="utf-8")
    corpus_b.write_text(PETS, encoding="utf-8")
    (tmp_path / "userlens_scenario.py").write_text(USER_MODULE.format(words=WORDS, corpus=str(corpus_a)),
                                                   encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))  # the user's module is importable, as `module:function` needs
    monkeypatch.setenv("RNNLENS_CACHE", str(tmp_path / "cache"))
    monkeypatch.delitem(sys.modules, "userlens_scenario", raising=False)
    spec = "userlens_scenario:load"

    def run(*args):
        code = main([*args, "--model", spec, "--model-path", spec])
        captured = capsys.readouterr()
        assert code == 0, captured.err
        return captured.out, captured.err

    run.corpora = (corpus_a, corpus_b)
    return run


def test_a_newcomers_session_names_its_statistics_and_a_second_evaluation_changes_nothing(user_cli):
    corpus_a, corpus_b = user_cli.corpora
    out, _ = user_cli("evaluate", "--corpus", str(corpus_a))
    assert out.startswith(f"# statistics: {corpus_a}, ")
    first, _ = user_cli("cocluster", "-k", "2", "--json")
    out, _ = user_cli("evaluate", "--corpus", str(corpus_b))
    assert out.startswith(f"# statistics: {corpus_b}, ")
    # On the old main, the pets evaluation became what cocluster used from then on.
    again, _ = user_cli("cocluster", "-k", "2", "--json")
    assert json.loads(again) == json.loads(first)
    assert json.loads(first)["provenance"]["corpus"] == str(corpus_a)
    chosen, _ = user_cli("cocluster", "-k", "2", "--json", "--corpus", str(corpus_b))
    data = json.loads(chosen)
    assert data["provenance"]["corpus"] == str(corpus_b) and "cat" in sum(data["word_clusters"], [])
    assert "food" not in sum(data["word_clusters"], [])
    text, _ = user_cli("cocluster", "-k", "2")
    assert text.startswith(f"# statistics: {corpus_a}, ") and "# model userlens_scenario:load (weights " in text


def test_a_provenance_object_names_everything_a_number_came_from(user_cli):
    corpus_a, _ = user_cli.corpora
    provenance = json.loads(user_cli("cocluster", "-k", "2", "--json")[0])["provenance"]
    assert provenance["model"] == "userlens_scenario:load" and len(provenance["weights"]) == 12
    assert provenance["corpus"] == str(corpus_a) and provenance["split"] is None
    assert provenance["tokens"] == len(tokenize(REVIEWS)) and provenance["distinct_words"] == len({t.norm for t in tokenize(REVIEWS)})
    assert provenance["unknown_rate"] == 0.0 and provenance["engine_version"] == 2
    assert provenance["tokenizer"].startswith("rnnlens.data.tokenizer.tokenize@")


def test_statistics_of_two_corpora_coexist_in_the_cache(tiny_models, tmp_path, corpus_file):
    other = tmp_path / "other.txt"
    other.write_text(PETS, encoding="utf-8")
    first = AnalysisService(ModelRegistry([tiny_models], include_samples=False), cache_root=tmp_path / "cache")
    a = first.statistics("tiny-gru-lm", [corpus_file])
    b = first.statistics("tiny-gru-lm", [other])
    assert a.key != b.key and len(list((tmp_path / "cache" / "stats").glob("*.json"))) == 2
    second = AnalysisService(ModelRegistry([tiny_models], include_samples=False), cache_root=tmp_path / "cache")
    messages: list[str] = []
    for corpus, expected in ((other, b), ([corpus_file], a)):
        again = second.statistics("tiny-gru-lm", corpus, progress=lambda f, m: messages.append(m))
        assert again.provenance == expected.provenance
        np.testing.assert_array_equal(again.stats.count, expected.stats.count)
    assert sum("served from the cache" in m for m in messages) == 2


def _user_model(tokenize_function=None, lowercase: bool = True):
    torch.manual_seed(5)
    spec = UserModel(embedding=nn.Embedding(len(WORDS), 8), rnn=nn.GRU(8, 6), head=nn.Linear(6, len(WORDS)),
                     vocabulary=WORDS, task="lm", tokenize=tokenize_function, lowercase=lowercase)
    return from_user_model(spec, name="user-gru")


def _words_only(text: str) -> list[Token]:
    """A user's tokenizer that drops punctuation (the built-in keeps it)."""
    return [t for t in tokenize(text) if t.is_word]


class _Registry:
    """Stands in for the registry with one already-built user model (what a new process would load)."""

    def __init__(self, model):
        self.model = model

    def get(self, name):
        return self.model

    def names(self):
        return [self.model.name]


def test_changing_the_tokenizer_changes_the_cache_key_and_the_numbers(tmp_path, corpus_file):
    plain, words_only, cased = _user_model(), _user_model(_words_only), _user_model(lowercase=False)
    assert plain.weights_hash == words_only.weights_hash == cased.weights_hash  # the same weights
    keys = {stats_key(m, "same-corpus") for m in (plain, words_only, cased)}
    assert len(keys) == 3
    before = AnalysisService(_Registry(plain), cache_root=tmp_path).statistics("user-gru", [corpus_file])
    after = AnalysisService(_Registry(words_only), cache_root=tmp_path).statistics("user-gru", [corpus_file])
    # The old key (weights + corpus) served the punctuation-keeping numbers to the new tokenizer.
    assert after.stats.tokens == len(_words_only(corpus_file.read_text())) < before.stats.tokens
    assert after.provenance.tokenizer.startswith(f"{__name__}._words_only@")


def test_a_cache_entry_with_wrong_shapes_but_a_good_checksum_is_recomputed_with_a_notice(tiny_models, tmp_path,
                                                                                            corpus_file):
    first = AnalysisService(ModelRegistry([tiny_models], include_samples=False), cache_root=tmp_path)
    good = first.statistics("tiny-gru-lm", [corpus_file])
    arrays, meta = first.cache.load("stats", good.key)
    for name in list(arrays):
        if name.startswith(("mean/", "m2/")):
            arrays[name] = arrays[name][:, :10]  # 10 units where the model has 16
    first.cache.save("stats", good.key, arrays, meta)  # a fresh, matching checksum
    second = AnalysisService(ModelRegistry([tiny_models], include_samples=False), cache_root=tmp_path)
    again = second.statistics("tiny-gru-lm", [corpus_file])
    assert any("do not fit model tiny-gru-lm" in n and "16 units" in n for n in second.notices)
    assert again.stats.mean["layer2.h"].shape[1] == 16
    np.testing.assert_allclose(again.stats.mean["layer2.h"], good.stats.mean["layer2.h"], atol=1e-6)
    assert second.cocluster("tiny-gru-lm", k=3, corpus=[corpus_file]).unit_labels.shape == (16,)


def test_a_chosen_corpus_never_follows_an_evaluation(chosen, corpus_file, tmp_path):
    other = tmp_path / "other.txt"
    other.write_text(PETS, encoding="utf-8")
    before = chosen.cocluster("tiny-lstm-lm", k=2)
    chosen.evaluate("tiny-lstm-lm", [other])
    after = chosen.cocluster("tiny-lstm-lm", k=2)
    assert after.extra["provenance"] == before.extra["provenance"]
    assert after.extra["provenance"]["corpus"] == str(corpus_file) and after.words == before.words

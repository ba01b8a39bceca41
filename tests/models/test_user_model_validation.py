"""A UserModel is checked when it loads: a wrong vocabulary order, labels, task or sizes are
refused with one line naming the field, instead of giving plausible garbage."""

import pytest
import torch
from rnnlens.errors import RnnLensError
from rnnlens.models.adapter import UserModel, from_user_model
from torch import nn

WORDS = ["<unk>", "good", "bad", "movie"]


def classifier(**overrides):
    torch.manual_seed(0)
    fields = dict(embedding=nn.Embedding(4, 6), rnn=nn.GRU(6, 5, batch_first=True), head=nn.Linear(5, 2),
                  vocabulary=list(WORDS), task="classifier", labels=["negative", "positive"])
    fields.update(overrides)
    return UserModel(**fields)


def test_a_word_to_id_mapping_is_read_in_id_order_not_iteration_order():
    shuffled = {"movie": 3, "bad": 2, "<unk>": 0, "good": 1}
    model = from_user_model(classifier(vocabulary=shuffled), "m")
    assert model.vocab.words == WORDS
    assert model.encode(model.tokenize("bad")) == [2]


def test_numpy_ids_are_ids_but_booleans_are_not():
    import numpy as np

    by_numpy = {w: np.int64(i) for i, w in enumerate(WORDS)}
    assert from_user_model(classifier(vocabulary=by_numpy), "m").vocab.words == WORDS
    with pytest.raises(RnnLensError, match="every id must be an int"):
        from_user_model(classifier(vocabulary={"<unk>": False, "good": True}), "m")


def test_an_id_to_word_mapping_is_accepted():
    assert from_user_model(classifier(vocabulary={3: "movie", 0: "<unk>", 2: "bad", 1: "good"}), "m").vocab.words == WORDS


@pytest.mark.parametrize("vocabulary, message", [
    ({"<unk>": 0, "good": 1, "bad": 5, "movie": 3}, "ids must be exactly 0..3"),
    ({"<unk>": 0, "good": 1, "bad": 1, "movie": 3}, "each used once"),
    ({"<unk>": "0", "good": 1}, "every id must be an int"),
    ({"<unk>", "good", "bad", "movie"}, "must be a list of words or an id-ordered mapping, not set"),
    (["<unk>", "good", "good", "movie"], "lists 'good' twice"),
    (["<unk>", "good", 3, "movie"], "non-empty strings, found 3"),
])
def test_other_vocabularies_are_refused(vocabulary, message):
    with pytest.raises(RnnLensError, match="UserModel.vocabulary") as info:
        from_user_model(classifier(vocabulary=vocabulary), "m")
    assert message in str(info.value)


@pytest.mark.parametrize("overrides, message", [
    ({"labels": []}, "needs UserModel.labels"),
    ({"labels": ["a", "b", "c"]}, "gives 2 class scores but UserModel.labels has 3 labels"),
    ({"task": "lm", "labels": []}, "task is 'lm' but UserModel.head gives 2 outputs for a vocabulary of 4 words"),
    ({"task": "tagging"}, "task must be 'lm' or 'classifier'"),
    ({"rnn": nn.GRU(7, 5, batch_first=True)}, "gives vectors of size 6 but UserModel.rnn expects input_size 7"),
    ({"head": nn.Linear(9, 2)}, "UserModel.head raised RuntimeError"),
    ({"unk": "<UNK>"}, "lacks its unknown-word symbol UserModel.unk='<UNK>'"),
    ({"labels": "negative,positive"}, "UserModel.labels must be a list of strings"),
    ({"lowercase": "yes"}, "UserModel.lowercase must be True or False"),
    ({"rnn": nn.Linear(6, 5)}, "UserModel.rnn must be an nn.RNN, nn.GRU or nn.LSTM"),
    ({"head": None}, "a classifier needs UserModel.head"),
    ({"embedding": nn.Embedding(3, 6)}, "UserModel.embedding has 3 rows but UserModel.vocabulary has 4 words"),
    ({"embedding": lambda ids: torch.zeros(1, 2, 6) if int(ids.max()) < 3 else torch.zeros(0)[ids]},
     "UserModel.embedding raised IndexError"),
])
def test_inconsistent_models_are_refused_naming_the_field(overrides, message):
    with pytest.raises(RnnLensError) as info:
        from_user_model(classifier(**overrides), "m")
    assert message in str(info.value) and "\n" not in str(info.value)


def test_a_language_model_whose_head_covers_the_vocabulary_loads():
    model = from_user_model(UserModel(embedding=nn.Embedding(4, 6), rnn=nn.LSTM(6, 4, num_layers=2),
                                      head=nn.Linear(4, 4), vocabulary=WORDS, task="lm"), "lm")
    assert model.task == "lm" and model.num_layers == 2

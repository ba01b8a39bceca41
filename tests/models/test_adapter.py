"""Users point RNN Lens at their own model with `module:function`."""

import pytest
import torch
from rnnlens.errors import RnnLensError
from rnnlens.models.adapter import load_entry_point
from rnnlens.models.registry import ModelRegistry

from tests.models.user_lstm import TinyTagger


def test_user_model_traces_match_its_own_forward():
    model = load_entry_point("tests.models.user_lstm:load")
    tokens, trace = model.trace_text("The cat sat on the mat .")
    assert [t.norm for t in tokens] == ["the", "cat", "sat", "on", "the", "mat", "."]
    reference = TinyTagger().eval()
    ids = torch.tensor(model.encode(tokens)).view(-1, 1)  # time-major, as the user's model wants
    with torch.no_grad():
        expected = reference(ids)[:, 0]
        top_h, _ = reference.lstm(reference.emb(ids))
    assert torch.allclose(trace.outputs[0], expected, atol=1e-5)
    assert torch.allclose(trace["layer2.h"][0], top_h[:, 0], atol=1e-5)
    assert set(trace.names) >= {"layer1.h", "layer1.c", "layer2.h", "layer2.c"}
    assert model.cell == "lstm" and model.num_layers == 2 and model.hidden_size == 10


def test_unknown_words_use_the_users_unk_symbol():
    model = load_entry_point("tests.models.user_lstm:load")
    assert model.encode(model.tokenize("zebra")) == [1]


def test_registry_lists_and_loads_entry_points():
    registry = ModelRegistry(["tests.models.user_lstm:load"], include_samples=False)
    assert registry.names() == ["tests.models.user_lstm:load"]
    assert registry.describe_all()[0]["cell"] == "lstm"


@pytest.mark.parametrize("spec, message", [
    ("tests.models.no_such_module:load", "cannot import"),
    ("tests.models.user_lstm:missing", "has no function"),
    ("tests.models.user_lstm:not_a_model", "must return"),
])
def test_bad_entry_points_give_clear_errors(spec, message):
    with pytest.raises(RnnLensError, match=message):
        load_entry_point(spec)


def test_bidirectional_models_are_refused():
    from rnnlens.models.adapter import UserModel, from_user_model

    spec = UserModel(embedding=torch.nn.Embedding(3, 4), rnn=torch.nn.GRU(4, 4, bidirectional=True), head=None,
                     vocabulary=["<unk>", "a", "b"])
    with pytest.raises(RnnLensError, match="bidirectional"):
        from_user_model(spec, "bi")

"""Unit clusters linked to outputs: a planted classifier's chip pushes its known class; the LM
pushes equal per-token ablations averaged; labels name a shared part of speech."""

import numpy as np
import torch
from planted_models import GROUP, LABELS, group_classifier, group_language_model
from rnnlens.analysis.ablation import ablated_outputs, state_at
from rnnlens.analysis.unit_outputs import UnitOutputs, classifier_pushes, lm_pushes, word_label
from rnnlens.models.trace import RecurrentStack, capture_trace
from torch import nn

SEQUENCES = [torch.tensor([[3, 7, 1, 9, 4]]), torch.tensor([[2, 8, 5]]), torch.tensor([[6, 11, 0, 10, 4, 2, 1]])]


def positive_group_classifier() -> RecurrentStack:
    """GRU classifier: units 0-1 stay near +1 and raise class 1; the head reads no other unit."""
    torch.manual_seed(0)
    layer = nn.GRU(4, 6, batch_first=True)
    head = nn.Linear(6, 2)
    with torch.no_grad():
        layer.bias_ih_l0[12 + GROUP[0]:12 + GROUP[1] + 1] = 6.0  # n gate near +1 for the group
        layer.bias_ih_l0[6 + GROUP[0]:6 + GROUP[1] + 1] = -6.0  # z near 0: h follows n
        head.weight.zero_()
        head.bias.zero_()
        head.weight[1, GROUP] = 2.0
        head.weight[0, GROUP] = -2.0
    return RecurrentStack(embed=nn.Embedding(12, 4), layers=[layer], head=head, cell="gru")


def test_the_planted_chip_pushes_its_class_and_the_others_push_nothing():
    push = classifier_pushes(positive_group_classifier(), SEQUENCES, 1, np.array(LABELS), 3)
    assert push.shape == (3, 2)
    assert push[0, 1] > 0.3 and push[0, 0] < -0.3
    assert np.abs(push[1:]).max() < 1e-6
    outputs = UnitOutputs("classes", push, ["negative", "positive"], len(SEQUENCES)).to_json()
    assert outputs[0]["label"] == "→ positive"


def test_language_model_pushes_are_per_token_ablations_averaged():
    stack = group_classifier(seed=5)  # 3 outputs: read as an LM over words 0..2
    labels = np.array([0, 1, 2, 0, 1, 2])
    sequences = [s % 3 for s in SEQUENCES]
    push, tokens = lm_pushes(stack, sequences, 1, labels, 3)
    expected = np.zeros((3, 3))
    for ids in sequences:
        trace = capture_trace(stack, ids)
        for t in range(ids.shape[1]):
            logits = ablated_outputs(stack, ids, t, state_at(trace, t - 1), 1, labels, 3)
            logp = torch.log_softmax(logits.double(), dim=-1).numpy()
            expected -= logp[1:] - logp[0]
    assert tokens == sum(s.shape[1] for s in sequences)
    np.testing.assert_allclose(push, expected / tokens, atol=1e-5)


def test_units_the_head_does_not_read_push_no_word():
    push, _ = lm_pushes(group_language_model(), SEQUENCES, 1, np.array(LABELS), 3)
    assert np.abs(push[1:]).max() < 1e-6 < np.abs(push[0]).max()


def test_a_label_names_the_part_of_speech_most_top_words_share():
    tags = {"house": "nn", "dogs": "nns", "city": "nn", "run": "vb"}
    assert word_label(["house", "dogs", "city", "run"], tags.get) == "→ nouns"
    assert word_label(["run", "house", "of", "dogs"], tags.get) == "→ nouns"  # 2 of 4 is half
    assert word_label(["run", "of", "the", "house"], tags.get) == "→ run, of, the"

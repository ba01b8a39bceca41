"""Cluster ablation, checked on hand-built models whose output reads one known group of units."""

import numpy as np
import pytest
import torch
from planted_models import LABELS, group_classifier, group_language_model
from rnnlens.analysis.ablation import cluster_effects, state_at
from rnnlens.errors import RnnLensError
from rnnlens.models.trace import capture_trace

IDS = torch.tensor([[3, 7, 1, 9, 4, 2, 8, 5, 6, 11]])


def test_classifier_effect_is_attributed_to_the_group_the_output_reads():
    stack = group_classifier()
    trace = capture_trace(stack, IDS)
    for t in (0, 3, 6):
        effects = cluster_effects(stack, "classifier", IDS, t, state_at(trace, t - 1), layer=1,
                                  labels=np.array(LABELS), k=3)
        moved = np.abs(effects.delta).sum(axis=1)
        assert moved[0] / moved.sum() >= 0.95 and effects.shares()[0] >= 0.95
        assert moved[0] > 1e-3 and moved[1:].max() < 1e-6
        assert effects.output_step == IDS.shape[1] - 1


def test_language_model_effect_on_the_next_word_comes_from_the_read_units():
    stack = group_language_model()
    trace = capture_trace(stack, IDS)
    effects = cluster_effects(stack, "lm", IDS, 4, state_at(trace, 3), layer=1, labels=np.array(LABELS), k=3)
    assert effects.target_roles == ["next", "top"]
    assert effects.targets[0] == int(IDS[0, 5])
    assert effects.shares(0)[0] >= 0.95 and effects.shares(1)[0] >= 0.95
    assert abs(effects.delta[0, 0]) > 1e-3


def test_unablated_row_matches_the_plain_run():
    stack = group_classifier()
    trace = capture_trace(stack, IDS)
    effects = cluster_effects(stack, "classifier", IDS, 2, state_at(trace, 1), 2, np.array([0, 1, 0, 1, 2]), 3)
    expected = torch.softmax(trace.outputs[0, -1].double(), dim=-1).numpy()
    np.testing.assert_allclose(effects.base, expected, atol=1e-6)


def test_each_row_equals_replacing_that_cluster_by_hand_and_running_on():
    stack = group_classifier(seed=3)
    trace = capture_trace(stack, IDS)
    labels = np.array([0, 1, 0, 1, 2])
    t = 4
    effects = cluster_effects(stack, "classifier", IDS, t, state_at(trace, t - 1), 2, labels, 3)
    for cluster in range(3):
        state = state_at(trace, t)
        for kind in ("h", "c"):
            state[f"layer2.{kind}"][0, torch.from_numpy(labels == cluster)] = 0.0
        rest = capture_trace(stack, IDS[:, t + 1:], initial=state)
        probs = torch.softmax(rest.outputs[0, -1].double(), dim=-1).numpy()
        np.testing.assert_allclose(effects.delta[cluster], probs - effects.base, atol=1e-6)


def test_replacing_with_the_state_itself_changes_nothing():
    stack = group_classifier(seed=1)
    trace = capture_trace(stack, IDS)
    t = 5
    own = {kind: trace.states[f"layer1.{kind}"][0, t].numpy() for kind in ("h", "c")}
    effects = cluster_effects(stack, "classifier", IDS, t, state_at(trace, t - 1), 1, np.array(LABELS), 3,
                              mode="mean", expected=own)
    assert np.abs(effects.delta).max() < 1e-6


def test_mean_mode_without_expected_state_is_a_clear_error():
    stack = group_classifier()
    trace = capture_trace(stack, IDS)
    with pytest.raises(RnnLensError, match="expected state"):
        cluster_effects(stack, "classifier", IDS, 1, state_at(trace, 0), 1, np.array(LABELS), 3, mode="mean")


def test_wrong_number_of_labels_is_a_clear_error():
    stack = group_classifier()
    trace = capture_trace(stack, IDS)
    with pytest.raises(RnnLensError, match="cluster labels"):
        cluster_effects(stack, "classifier", IDS, 1, state_at(trace, 0), 1, np.array([0, 1]), 2)


@pytest.mark.parametrize("layer", [1, 2])
@pytest.mark.parametrize("task", ["classifier", "lm"])
def test_known_states_after_the_token_give_the_same_effects_as_recomputing(layer, task):
    stack = group_classifier(seed=4)  # 3 outputs: read as an LM, its "words" are 0..2
    ids = IDS % 3
    trace = capture_trace(stack, ids)
    labels = np.array([0, 1, 2, 0, 1, 2][:stack.layers[layer - 1].hidden_size])
    t = 6
    fresh = cluster_effects(stack, task, ids, t, state_at(trace, t - 1), layer, labels, 3)
    warm = cluster_effects(stack, task, ids, t, state_at(trace, t - 1), layer, labels, 3, known=state_at(trace, t))
    np.testing.assert_allclose(warm.delta, fresh.delta, atol=1e-6)


def test_top_layer_effects_on_the_next_word_need_only_the_top_state():
    stack = group_classifier(seed=4)
    ids = IDS % 3
    trace = capture_trace(stack, ids)
    t = 3
    top = {name: value for name, value in state_at(trace, t).items() if name.startswith("layer2.")}
    labels = np.array([0, 1, 2, 0, 1])
    warm = cluster_effects(stack, "lm", ids, t, None, 2, labels, 3, known=top)
    fresh = cluster_effects(stack, "lm", ids, t, state_at(trace, t - 1), 2, labels, 3)
    np.testing.assert_allclose(warm.delta, fresh.delta, atol=1e-6)
    with pytest.raises(RnnLensError, match="state before the token"):
        cluster_effects(stack, "lm", ids, t, None, 1, np.array(LABELS), 3, known=top)

"""Input attribution by integrated gradients: the known word comes first, scores are complete."""

import numpy as np
import pytest
import torch
from planted_models import group_language_model, one_word_classifier
from rnnlens.analysis.attribution import AttributionNotConverged, attribute_token
from rnnlens.models.trace import capture_trace

KNOWN = 5
IDS = torch.tensor([[3, 7, KNOWN, 9, 4, 2, 8, 1]])


def test_the_only_word_the_model_reads_is_ranked_first():
    stack = one_word_classifier(KNOWN)
    result = attribute_token(stack, "classifier", IDS, t=7, target=0)
    ranked = np.argsort(-np.abs(result.scores))
    assert int(IDS[0, ranked[0]]) == KNOWN
    others = np.delete(result.scores, 2)
    assert np.abs(others).max() < 1e-6 < abs(result.scores[2])


def test_scores_sum_to_the_output_difference_within_the_delta():
    stack = group_language_model(seed=2)
    result = attribute_token(stack, "lm", IDS, t=6)
    assert result.target_role == "next" and result.target == int(IDS[0, 7])
    assert abs(result.scores.sum() - result.difference) <= abs(result.delta) + 1e-6
    assert abs(result.delta) <= max(0.05 * abs(result.difference), 1e-4)


def test_classifier_default_target_is_the_predicted_class():
    stack = one_word_classifier(KNOWN)
    result = attribute_token(stack, "classifier", IDS, t=7)
    final = capture_trace(stack, IDS).outputs[0, -1]
    assert result.target_role == "class" and result.target == int(torch.argmax(final))
    assert result.output == pytest.approx(float(torch.log_softmax(final, dim=-1)[result.target]), abs=1e-5)


def test_a_window_attributes_only_its_last_tokens():
    stack = group_language_model()
    result = attribute_token(stack, "lm", IDS, t=6, window=3)
    assert result.start == 4 and result.scores.shape == (3,)


def test_too_few_steps_to_converge_is_refused_with_a_clear_message():
    stack = group_language_model(seed=2)
    with pytest.raises(AttributionNotConverged, match="did not converge"):
        attribute_token(stack, "lm", IDS, t=6, steps=(1,), tolerance=1e-6)

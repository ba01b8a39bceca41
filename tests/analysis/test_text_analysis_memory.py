"""Text analysis keeps only what it shows, block by block, and reads documents in units.

The references are computed the direct way (one trace of the whole text, a full softmax), so
these tests fail if the blocked path changes a number, and also if it ever asks the head or
the recurrent kernels for more than one block of steps at once (issue 11: a 1 MB line made
a T x vocabulary array of 4.2 GB).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from rnnlens.analysis.glyphs import GLYPH_FIELDS, compute_glyphs
from rnnlens.analysis.model_outputs import step_outputs
from rnnlens.analysis.text_analysis import analyze_tokens
from rnnlens.analysis.text_units import unit_starts
from rnnlens.data.tokenizer import tokenize
from rnnlens.models.storage import load_model
from rnnlens.paths import SAMPLE_MODELS_DIR

TEXT = ("the food was good but the staff is not helpful . i love the movie though it was bad !\n"
        "a great movie and very good food , but terrible staff .\n\n"
        "the staff was not bad . it was a good movie , though the food is terrible .")
K = 3


def _labels(model, k: int = K) -> dict[int, np.ndarray]:
    return {index: np.arange(layer.hidden_size) % k for index, layer in enumerate(model.stack.layers, start=1)}


@pytest.fixture(scope="module")
def lstm(tiny_models: Path):
    return load_model(tiny_models / "tiny-lstm-lm")


@pytest.fixture(scope="module")
def classifier(tiny_models: Path):
    return load_model(tiny_models / "tiny-gru-classifier")


class Recorder:
    """Wraps a callable and remembers the largest number of steps it was given."""

    def __init__(self, call, steps_of):
        self.call, self.steps_of, self.largest = call, steps_of, 0

    def __call__(self, *args, **kwargs):
        self.largest = max(self.largest, self.steps_of(*args, **kwargs))
        return self.call(*args, **kwargs)


def test_next_word_top_k_equals_the_full_softmax_and_runs_the_head_one_block_at_a_time(lstm, monkeypatch):
    hidden = torch.randn(37, lstm.hidden_size, generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():
        full = torch.softmax(lstm.stack.head(hidden).double(), dim=-1)
    expected_p, expected_ids = torch.topk(full, 4, dim=-1)
    head = Recorder(lstm.stack.head, lambda x: x.shape[0])
    monkeypatch.setattr(lstm.stack, "head", head)
    outputs = step_outputs(lstm, hidden.numpy(), top_k=4, block=8)
    assert head.largest == 8  # never all 37 steps x vocabulary at once
    assert outputs.kind == "next" and outputs.ids.shape == (37, 4)
    np.testing.assert_array_equal(outputs.ids, expected_ids.numpy())
    np.testing.assert_allclose(outputs.probs, expected_p.numpy(), rtol=1e-5)
    assert outputs.items(3)[0] == (lstm.vocab.words[int(expected_ids[3, 0])], pytest.approx(float(expected_p[3, 0])))


def test_a_classifier_shows_every_class_in_label_order(classifier):
    hidden = np.random.default_rng(1).normal(size=(5, classifier.hidden_size)).astype(np.float32)
    outputs = step_outputs(classifier, hidden, top_k=1)  # top_k does not cut classes
    assert outputs.kind == "classes"
    assert [name for name, _ in outputs.items(0)] == ["negative", "positive"]
    np.testing.assert_allclose(outputs.probs.sum(axis=1), 1.0, atol=1e-6)
    assert set(outputs.json_at(4)["classes"]) == {"negative", "positive"}


def test_blocked_analysis_equals_one_trace_of_the_whole_text(lstm, monkeypatch):
    tokens = tokenize(TEXT)
    ids = torch.tensor([lstm.encode(tokens)])
    whole = lstm.trace(ids)
    trace = Recorder(lstm.trace, lambda ids, **_: ids.shape[1])
    monkeypatch.setattr(lstm, "trace", trace)
    analysis = analyze_tokens(lstm, tokens, _labels(lstm), layer=2, state="c", k=K, top_k=3, block=7)
    assert trace.largest == 7
    for index in (1, 2):
        name = f"layer{index}.c"
        reference = compute_glyphs(whole[name][0].numpy(), whole.previous(name)[0].numpy(), _labels(lstm)[index], K)
        for field in GLYPH_FIELDS:
            np.testing.assert_allclose(getattr(analysis.glyphs[index], field), getattr(reference, field), atol=1e-5)
    np.testing.assert_allclose(analysis.responses, whole.response("layer2.c")[0].numpy(), atol=1e-5)
    probs = torch.softmax(whole.outputs[0].double(), dim=-1)
    np.testing.assert_array_equal(analysis.outputs.ids, torch.topk(probs, 3, dim=-1).indices.numpy())
    biggest = np.abs(analysis.responses).max(axis=1)
    np.testing.assert_allclose(np.abs(analysis.moved_responses[:, 0]), biggest, rtol=1e-6)


def test_glyphs_in_row_blocks_equal_one_block():
    rng = np.random.default_rng(2)
    current, previous = rng.normal(size=(50, 12)), rng.normal(size=(50, 12))
    labels = rng.integers(0, 4, 12)
    one, blocked = compute_glyphs(current, previous, labels, 4), compute_glyphs(current, previous, labels, 4, block=6)
    for field in GLYPH_FIELDS:
        np.testing.assert_allclose(getattr(blocked, field), getattr(one, field), rtol=1e-6)


def test_streamed_json_is_the_same_document(lstm):
    analysis = analyze_tokens(lstm, tokenize(TEXT), _labels(lstm), layer=2, state="c", k=K, block=5)
    text = "".join(analysis.json_parts({"file": "x.txt"}, batch=4))
    assert json.loads(text) == {"file": "x.txt", **json.loads(json.dumps(analysis.to_json()))}


def test_each_unit_is_analysed_as_if_alone(lstm):
    tokens = tokenize(TEXT)
    starts = unit_starts(TEXT, [t.start for t in tokens], "paragraphs")
    analysis = analyze_tokens(lstm, tokens, _labels(lstm), 2, "c", K, starts=starts, reset="paragraphs", block=6)
    assert len(analysis.units) == 2 and analysis.reset == "paragraphs"
    second = analysis.units[1]
    assert TEXT[second.start:second.end].startswith("the staff was not bad")
    alone = analyze_tokens(lstm, tokenize(TEXT[second.start:]), _labels(lstm), 2, "c", K, block=6)
    rows = slice(second.first, second.stop)
    np.testing.assert_allclose(analysis.responses[rows], alone.responses, atol=1e-6)
    np.testing.assert_allclose(analysis.glyphs[1].kept[rows], alone.glyphs[1].kept, atol=1e-6)
    np.testing.assert_array_equal(analysis.outputs.ids[rows], alone.outputs.ids)
    assert analysis.glyphs[2].kept[second.first].sum() == 0  # nothing was held before a unit's first token


REVIEWS = ["a gorgeous , witty , seductive movie .",
           "the plot is a mess and the acting is even worse .",
           "not bad at all , in fact it is rather good ."]


def test_rt_gru_review_three_gets_exactly_its_own_states_and_prediction_with_reset_lines():
    if not (SAMPLE_MODELS_DIR / "rt-gru" / "weights.safetensors").exists():
        pytest.fail("sample model rt-gru is missing")
    model = load_model(SAMPLE_MODELS_DIR / "rt-gru")
    text = "\n".join(REVIEWS)
    tokens = tokenize(text)
    labels = _labels(model, 4)

    def run(reset: str):
        starts = unit_starts(text, [t.start for t in tokens], reset)
        return analyze_tokens(model, tokens, labels, 1, "h", 4, starts=starts, reset=reset)

    alone = analyze_tokens(model, tokenize(REVIEWS[2]), labels, 1, "h", 4)
    by_line, whole = run("lines"), run("none")
    third = by_line.units[2]
    assert text[third.start:third.end] == REVIEWS[2]
    rows = slice(third.first, third.stop)
    np.testing.assert_array_equal(by_line.responses[rows], alone.responses)
    np.testing.assert_array_equal(by_line.outputs.probs[rows], alone.outputs.probs)
    prediction = by_line.to_json(tokens=False)["units"][2]["prediction"]
    assert prediction == alone.outputs.json_at(len(alone.outputs) - 1)
    # read as one sequence, review 3 starts from what reviews 1-2 left: other states, other prediction
    assert np.abs(whole.responses[rows] - alone.responses).max() > 0.05
    assert abs(whole.outputs.probs[third.stop - 1, 1] - alone.outputs.probs[-1, 1]) > 0.01


def test_a_text_report_keeps_only_the_chosen_layer_and_no_responses(lstm):
    tokens = tokenize(TEXT)
    full = analyze_tokens(lstm, tokens, _labels(lstm), 2, "c", K, block=9)
    lean = analyze_tokens(lstm, tokens, _labels(lstm), 2, "c", K, block=9, detail=False)
    assert set(lean.glyphs) == {2} and lean.responses.shape == (len(tokens), 0)
    np.testing.assert_array_equal(lean.glyphs[2].update, full.glyphs[2].update)
    np.testing.assert_array_equal(lean.moved_units, full.moved_units)
    np.testing.assert_array_equal(lean.outputs.probs, full.outputs.probs)

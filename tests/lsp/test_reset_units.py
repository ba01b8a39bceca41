"""`rnnlens.reset`: the language server reads a document in units (lines or paragraphs) where
the state restarts from zero, and the incremental timeline keeps that exact after any edit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec
from rnnlens.lsp.hover import HoverData, hover_data
from rnnlens.lsp.incremental import StateTimeline
from rnnlens.lsp.session import LensSession
from rnnlens.lsp.settings import Settings, apply_settings
from rnnlens.models.storage import load_model
from rnnlens.paths import SAMPLE_MODELS_DIR

from tests.lsp.test_precompute import RecordingNotifier

KEEP = {"layer2.h"}  # an LSTM whose cell states are not kept: checkpoints must solve them


def _unit_states(model, ids: np.ndarray, resets: np.ndarray) -> dict[str, np.ndarray]:
    """The reference: every unit traced alone from the zero state, concatenated."""
    starts = list(np.flatnonzero(resets)) + [len(ids)]
    if not resets[0]:
        starts = [0, *starts]
    parts = []
    for lo, hi in zip(starts[:-1], starts[1:], strict=True):
        trace = model.trace(torch.from_numpy(ids[lo:hi]).view(1, -1), outputs=False)
        parts.append({name: trace.states[name][0].numpy() for name in trace.states})
    return {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}


def _check(timeline: StateTimeline, model, ids: np.ndarray, resets: np.ndarray) -> None:
    reference = _unit_states(model, ids, resets)
    for chunk in timeline.chunks_for(0, len(ids)):
        rows = slice(chunk.start, chunk.end)
        np.testing.assert_allclose(chunk.current("layer2.h"), reference["layer2.h"][rows], atol=1e-5)
        previous = np.concatenate([np.zeros((1, model.hidden_size)), reference["layer2.h"]])[chunk.start:chunk.end]
        previous[resets[rows]] = 0.0
        np.testing.assert_allclose(chunk.previous("layer2.h"), previous, atol=1e-5)


@pytest.fixture(scope="module")
def lstm(tiny_models: Path):
    return load_model(tiny_models / "tiny-lstm-lm")


edits = st.lists(st.tuples(st.integers(0, 119), st.integers(0, 3), st.booleans()), min_size=1, max_size=6)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), steps=edits)
def test_edited_timeline_with_resets_equals_a_fresh_one(lstm, seed, steps):
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, len(lstm.vocab), 120)
    resets = rng.random(120) < 0.08
    resets[0] = True
    timeline = StateTimeline(lstm, KEEP, chunk_size=8, slice_chunks=2)
    timeline.set_ids(ids, resets)
    timeline.chunks_for(0, 120)
    for position, change, flip in steps:  # change ids, move unit starts, or both
        ids = ids.copy()
        resets = resets.copy()
        ids[position] = (ids[position] + change) % len(lstm.vocab)
        if flip and position > 0:
            resets[position] = not resets[position]
        timeline.set_ids(ids, resets)
        timeline.chunks_for(max(0, position - 10), min(120, position + 10))  # a visible range only
    _check(timeline, lstm, ids, resets)


def test_a_change_of_unit_starts_alone_invalidates_from_there(lstm):
    ids = np.arange(64) % len(lstm.vocab)
    resets = np.zeros(64, dtype=bool)
    timeline = StateTimeline(lstm, KEEP, chunk_size=8)
    timeline.set_ids(ids, resets)
    timeline.chunks_for(0, 64)
    resets = resets.copy()
    resets[[0, 40]] = True
    assert timeline.set_ids(ids, resets) == 0
    _check(timeline, lstm, ids, resets)


REVIEWS = ["a gorgeous , witty , seductive movie .",
           "the plot is a mess and the acting is even worse .",
           "not bad at all , in fact it is rather good ."]


def _hover_on_not(text: str, reset: str | None) -> HoverData:
    session = LensSession(RecordingNotifier())
    session.configure({"model": "rt-gru", **({"reset": reset} if reset else {})}, "test")
    uri = "file:///reviews.txt"
    session.documents.put(uri, 1, text, "plaintext", PositionCodec(types.PositionEncodingKind.Utf16))
    prepared = session.prepare(uri, start_clusters=False)
    assert prepared is not None
    index = prepared.token_at(text.rindex("not"))
    assert index is not None
    return hover_data(session, prepared, index)


def test_a_classifier_hovers_line_three_as_if_it_were_alone():
    if not (SAMPLE_MODELS_DIR / "rt-gru" / "weights.safetensors").exists():
        pytest.fail("sample model rt-gru is missing")
    alone = _hover_on_not(REVIEWS[2], None)
    in_document = _hover_on_not("\n".join(REVIEWS), None)  # a classifier's default: lines
    assert in_document.kept_rate == pytest.approx(alone.kept_rate, abs=1e-6)
    assert [unit for unit, _, _ in in_document.moved] == [unit for unit, _, _ in alone.moved]
    assert [r for _, r, _ in in_document.moved] == pytest.approx([r for _, r, _ in alone.moved], abs=1e-6)
    assert _probabilities(in_document) == pytest.approx(_probabilities(alone), abs=1e-6)
    # as one sequence, line 3 starts from what lines 1-2 left
    carried = _hover_on_not("\n".join(REVIEWS), "none")
    assert abs(_probabilities(carried)[1] - _probabilities(alone)[1]) > 0.01


def _probabilities(data: HoverData) -> list[float]:
    return [p for _, p in data.output["items"]]


def test_the_reset_setting_is_checked():
    settings_, problems = apply_settings(Settings(), {"reset": "paragraphs"})
    assert settings_.reset == "paragraphs" and not problems
    settings_, problems = apply_settings(settings_, {"reset": "sentences"})
    assert settings_.reset == "paragraphs" and "rnnlens.reset must be one of" in problems[0]
    assert apply_settings(settings_, {"reset": "auto"})[0].reset is None

"""The parts of the hover's causal lines that need no server: the complete state a timeline gives
for rerunning the model from a token, the attribution window, and how a refusal reads."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import torch
from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec
from rnnlens.analysis.ablation import cluster_effects
from rnnlens.analysis.attribution import AttributionNotConverged, attribute_token
from rnnlens.lsp import hover_effects
from rnnlens.lsp.hover_effects import CausalHover, causal_hover, render_causal, unit_bounds, window_start
from rnnlens.lsp.incremental import Stale, StateTimeline
from rnnlens.lsp.session import LensSession
from rnnlens.models.storage import load_model

from tests.lsp.test_precompute import RecordingNotifier


def _states_before(model, ids: np.ndarray, resets: np.ndarray) -> list[dict[str, np.ndarray]]:
    """The state each step starts from, by a plain step-by-step run with restarts."""
    state = model.stack.zero_state(1)
    out = []
    for i, token in enumerate(ids):
        if resets[i]:
            state = model.stack.zero_state(1)
        out.append({name: value[0].numpy().copy() for name, value in state.items()})
        state = model.trace(torch.tensor([[int(token)]]), initial=state, outputs=False).final_state
    return out


def test_a_timeline_that_keeps_no_lower_cell_state_still_gives_the_complete_state_before_any_token(
        tiny_models: Path):
    model = load_model(tiny_models / "tiny-lstm-lm")
    ids = np.random.default_rng(2).integers(0, len(model.vocab), 150)
    resets = np.zeros(150, dtype=bool)
    resets[[70, 71, 100]] = True
    timeline = StateTimeline(model, keep={"layer2.c"}, chunk_size=32, slice_chunks=2)
    timeline.set_ids(ids, resets)
    timeline.chunks_for(0, 150)
    expected = _states_before(model, ids, resets)
    for token in (0, 1, 31, 32, 33, 63, 70, 71, 72, 99, 100, 101, 149):
        state = timeline.state_before(token)
        assert set(state) == {"layer1.h", "layer1.c", "layer2.h", "layer2.c"}
        for name, value in state.items():
            np.testing.assert_allclose(value[0].numpy(), expected[token][name], atol=1e-5, err_msg=f"{token} {name}")


def test_ablation_from_the_timelines_states_equals_ablation_from_a_fresh_trace(tiny_models: Path):
    model = load_model(tiny_models / "tiny-lstm-lm")
    ids = np.random.default_rng(3).integers(0, len(model.vocab), 90)
    timeline = StateTimeline(model, keep={"layer1.c"}, chunk_size=32)
    timeline.set_ids(ids)
    labels = np.arange(16) % 4
    tensor = torch.from_numpy(ids).view(1, -1)
    warm = cluster_effects(model.stack, "lm", tensor, 50, timeline.state_before(50), 1, labels, 4)
    trace = model.trace(tensor[:, :50], outputs=False)
    fresh = cluster_effects(model.stack, "lm", tensor, 50, trace.final_state, 1, labels, 4)
    np.testing.assert_allclose(warm.delta, fresh.delta, atol=1e-5)


def test_attribution_from_a_warm_state_equals_attribution_of_a_window_of_the_whole_text(tiny_models: Path):
    model = load_model(tiny_models / "tiny-gru-lm")
    ids = torch.from_numpy(np.random.default_rng(4).integers(0, len(model.vocab), 60)).view(1, -1)
    timeline = StateTimeline(model, chunk_size=16)
    timeline.set_ids(ids[0].numpy())
    whole = attribute_token(model.stack, "lm", ids, 40, window=11)
    warm = attribute_token(model.stack, "lm", ids[:, 30:42], 10, initial=timeline.state_before(30))
    assert warm.target == whole.target
    np.testing.assert_allclose(warm.scores, whole.scores, atol=1e-5)


def test_a_tokens_unit_runs_from_the_last_restart_to_the_next():
    resets = np.array([True, False, False, True, False, False, False])
    assert unit_bounds(resets, 0, 7) == (0, 3)
    assert unit_bounds(resets, 2, 7) == (0, 3)
    assert unit_bounds(resets, 3, 7) == (3, 7)
    assert unit_bounds(None, 5, 7) == (0, 7)


def test_a_refused_attribution_says_so_in_words(tiny_models: Path, monkeypatch):
    model = load_model(tiny_models / "tiny-gru-lm")
    ids = torch.tensor([[model.vocab.index[w] for w in "the food was good".split()]])

    def refuse(*args, **kwargs):
        raise AttributionNotConverged("integrated gradients at token 2 did not converge: with 128 steps the "
                                      "convergence delta 0.3 exceeds 5% of the output difference 1.2")

    monkeypatch.setattr(hover_effects, "attribute_token", refuse)
    words = hover_effects.driving_words(model, None, ids, 2, 0, None)  # type: ignore[arg-type]
    text = "\n".join(render_causal(CausalHover(words=words)))
    assert "**words driving** the next word `good` (the last 3 words of the line, integrated gradients): _not " \
           "shown: integrated gradients did not converge here" in text
    assert "convergence delta 0.3 exceeds 5% of the output difference 1.2" in text


def test_the_attribution_window_is_the_tokens_line_at_most_window_tokens_within_its_unit():
    text = "one two three\r\nfour five six seven\reight nine"
    starts = np.array([text.index(w) for w in text.split()])
    prepared: Any = SimpleNamespace(snapshot=SimpleNamespace(text=text), starts=starts)  # what it reads of one
    assert window_start(prepared, 6, 0, 30) == 3  # "seven": its line starts at "four" (CRLF before it)
    assert window_start(prepared, 8, 0, 30) == 7  # "nine": a lone CR breaks the line too
    assert window_start(prepared, 6, 0, 2) == 5  # at most two tokens: "six seven"
    assert window_start(prepared, 6, 4, 30) == 4  # never before the unit's first token
    assert window_start(prepared, 2, 0, 30) == 0


def _causal_on(text: str, word: str, model: str = "rt-gru", stop_after: int | None = None) -> object:
    """The hover's causal lines on the last `word` of `text`, in process (LensSession, warm clusters)."""
    session = LensSession(RecordingNotifier())
    session.configure({"model": model}, "test")
    uri = "file:///causal.txt"
    session.documents.put(uri, 1, text, "plaintext", PositionCodec(types.PositionEncodingKind.Utf16))
    session.refresh_clusters(lambda: False)
    prepared = session.prepare(uri)
    assert prepared is not None and prepared.labels is not None
    if stop_after is not None:  # the document "changes" after that many checks of the warm states
        with prepared.timeline.lock:
            session.sync_timeline(prepared)
            prepared.timeline.chunks_for(0, len(prepared.ids))
        calls = iter(range(1_000_000))
        prepared.should_stop = lambda: next(calls) >= stop_after
    index = prepared.token_at(text.rindex(word))
    assert index is not None
    return causal_hover(session, prepared, index)


def test_a_classifiers_causal_lines_on_line_three_are_those_of_line_three_alone():
    line = "a dull , lifeless film with a good cast"
    alone = _causal_on(line, "film")
    among = _causal_on("the best movie of the year .\nwhat a waste of time .\n" + line + "\n", "film")
    assert isinstance(alone, CausalHover) and isinstance(among, CausalHover)
    assert alone.effects is not None and among.effects is not None
    np.testing.assert_allclose(among.effects.rows[0].deltas, alone.effects.rows[0].deltas, atol=1e-5)
    assert among.effects.read_at - among.effects.token == alone.effects.read_at - alone.effects.token == 4
    assert alone.words is not None and among.words is not None
    assert [w for w, _ in among.words.words] == [w for w, _ in alone.words.words]
    np.testing.assert_allclose([s for _, s in among.words.words], [s for _, s in alone.words.words], atol=1e-5)


def test_a_hover_whose_document_changes_after_the_states_are_read_stops_before_the_ablation(monkeypatch):
    def not_reached(*args, **kwargs):
        raise AssertionError("the ablation ran for a stale document")

    monkeypatch.setattr(hover_effects, "cluster_effects", not_reached)
    with pytest.raises(Stale):
        _causal_on("a dull , lifeless film", "film", stop_after=1)

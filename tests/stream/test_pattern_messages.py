"""Issue 14 over a real socket: the panel's pattern search answers what `AnalysisService.match` finds
for the same selection, with each match's glyphs for the view's unit clusters."""

from __future__ import annotations

import numpy as np
import pytest
from rnnlens.errors import Cancelled
from rnnlens.stream import StreamServer, pattern_handlers
from rnnlens.stream.handlers import RequestContext
from stream_helpers import open_panel, request

MODEL = "tiny-lstm-lm"
TEXT = "the staff was not helpful"


def _ask(first: int, stop: int, **fields) -> dict:
    return {"type": "match_request", "id": 60, "model": MODEL, "text": TEXT, "first": first, "stop": stop,
            "layer": None, "state": None, "threshold": None, "top": 5, "k": 3, **fields}


async def test_match_view_lists_what_the_service_matches_for_the_same_selection(stream: StreamServer, service):
    ws, _ = await open_panel(stream)
    answer = await request(ws, _ask(2, 4))  # "was not"
    await ws.close()
    assert answer["type"] == "match_view" and answer["id"] == 60, answer
    tokens = service.model(MODEL).tokenize(TEXT)
    expected = service.match(MODEL, TEXT, tokens[2].start, tokens[3].end, top=5)
    assert answer["tokens"] == ["was", "not"] == expected.query.tokens
    assert (answer["layer"], answer["state"], answer["k"]) == (2, "c", 3)
    assert answer["threshold"] == pytest.approx(expected.query.threshold)
    assert answer["units"].tolist() == expected.query.units
    assert len(answer["matches"]) == len(expected.matches) > 0
    for got, want in zip(answer["matches"], expected.matches, strict=True):
        assert (got["rank"], got["document"], got["start"], got["end"], got["text"]) == \
            (want.rank, want.document, want.start, want.end, want.text)
        assert got["score"] == pytest.approx(want.score, abs=1e-6) and got["shared"] == want.shared
        assert got["pos"] == want.pos and got["label"] is None  # a language model has no class
    pos = [(p["pattern"], p["matches"]) for p in answer["shared_patterns"] if p["kind"] == "pos"]
    assert pos == [(p["pattern"], p["matches"]) for p in expected.extra["pos_patterns"]]
    assert answer["corpus"] == expected.corpus and answer["provenance"]["model"] == MODEL
    index, _ = service.pattern_index(MODEL)
    assert answer["searched_tokens"] == index.tokens > 0 and answer["searched_documents"] == len(index.doc_starts) - 1


async def test_each_match_carries_the_glyphs_of_its_line_with_the_span_marked(stream: StreamServer, service):
    ws, _ = await open_panel(stream)
    answer = await request(ws, _ask(3, 5))  # "not helpful"
    await ws.close()
    assert answer["type"] == "match_view", answer
    for match in answer["matches"]:
        glyphs = match["glyphs"]
        context = match["before"] + match["text"] + match["after"]
        assert glyphs["text"] == context and glyphs["k"] == 3
        first, last = glyphs["tokens"][match["first"]], glyphs["tokens"][match["stop"] - 1]
        assert context[first["start"]:last["end"]] == match["text"]
        direct = service.analyze_text(MODEL, context, 2, "c", 3)
        np.testing.assert_allclose(glyphs["positive"], direct.glyphs[2].positive, atol=1e-6)


async def test_a_classifier_match_names_its_predicted_class_and_the_classes_shared(stream: StreamServer, service):
    ws, _ = await open_panel(stream)
    answer = await request(ws, _ask(2, 4, model="tiny-gru-classifier", state="h"))
    await ws.close()
    assert answer["type"] == "match_view", answer
    labels = [m["label"] for m in answer["matches"]]
    assert labels and all(label in ("negative", "positive") for label in labels)
    for match in answer["matches"]:  # the class the glyphs predict at the span's last token
        glyphs = match["glyphs"]
        probs = glyphs["output_probs"][match["stop"] - 1]
        assert glyphs["outputs"][match["stop"] - 1][int(np.argmax(probs))] == match["label"]
    shared = {p["pattern"]: p["matches"] for p in answer["shared_patterns"] if p["kind"] == "label"}
    assert shared == {label: labels.count(label) for label in set(labels)}


async def test_match_refuses_a_span_outside_the_text_an_unindexed_state_and_an_oversized_text(stream: StreamServer):
    ws, _ = await open_panel(stream)
    outside = await request(ws, _ask(3, 9))
    state = await request(ws, _ask(0, 2, state="h"))
    empty = await request(ws, _ask(2, 2))
    huge = await request(ws, _ask(0, 1, text="word " * 600_000))
    await ws.close()
    assert outside["type"] == "error" and outside["code"] == "failed" and "tokens 0..4" in outside["message"]
    assert state["type"] == "error" and "indexed state c" in state["message"]
    assert empty["type"] == "error" and empty["code"] == "failed"
    assert huge["type"] == "error" and huge["code"] in ("too_large", "failed"), huge


def test_match_stops_before_the_glyphs_once_cancelled(service):
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 1  # the search itself runs; the first check after it stops the request

    ctx = RequestContext(progress=lambda fraction, message: None, cancelled=cancelled, cursor=None)
    with pytest.raises(Cancelled):
        pattern_handlers.match(service, {**_ask(2, 4), "id": 61}, ctx)


async def test_match_of_the_editor_sentence(stream: StreamServer):
    ws, _ = await open_panel(stream)
    stream.broadcast_cursor({"uri": "file:///doc.txt", "line": 0, "character": 3, "offset": 3, "token": "love",
                             "sentence": "i love it", "sentence_start": 0})
    answer = await request(ws, _ask(0, 2, text=None))
    await ws.close()
    assert answer["type"] == "match_view" and answer["text"] == "i love it" and answer["tokens"] == ["i", "love"]

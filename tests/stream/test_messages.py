"""Every panel request round-trips over a real socket with real analysis, answers echo their ids,
and bad frames get error messages while the connection keeps working."""

from __future__ import annotations

import msgpack
import numpy as np
import pytest
from rnnlens.protocol import PROTOCOL_VERSION, decode_message, encode_message
from rnnlens.stream import StreamServer
from stream_helpers import open_panel, request
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosedError

MODEL = "tiny-lstm-lm"


async def test_hello_tells_version_models_and_settings(stream: StreamServer):
    ws, hello = await open_panel(stream)
    await ws.close()
    assert hello["protocol"] == PROTOCOL_VERSION
    assert hello["settings"] == {"model": "tiny-lstm-lm", "clusters": 3}
    by_name = {m["name"]: m for m in hello["models"]}
    assert set(by_name) == {"tiny-lstm-lm", "tiny-gru-lm", "tiny-rnn-lm", "tiny-gru-classifier"}
    assert by_name["tiny-lstm-lm"]["state_kinds"] == ["h", "c"] and by_name["tiny-lstm-lm"]["default_state"] == "c"
    assert by_name["tiny-gru-classifier"]["labels"] == ["negative", "positive"]


async def test_cocluster_view_carries_chips_clouds_and_links_as_typed_arrays(stream: StreamServer, service):
    ws, _ = await open_panel(stream)
    answer = await request(ws, {"type": "cocluster_request", "id": 11, "model": MODEL, "layer": None,
                                "state": None, "k": 3, "n_words": 12})
    await ws.close()
    assert answer["type"] == "cocluster_view" and answer["id"] == 11
    view = answer["view"]
    expected = service.cocluster(MODEL, None, None, 3, 12)
    assert (view["layer"], view["state"], view["k"], view["hidden_size"]) == (2, "c", 3, 16)
    assert view["words"] == expected.words
    np.testing.assert_array_equal(view["unit_labels"], expected.unit_labels)
    np.testing.assert_array_equal(view["word_labels"], expected.word_labels)
    np.testing.assert_allclose(view["links"], expected.links, rtol=1e-6)
    assert view["links"].dtype == np.float32 and view["links"].shape == (3, 3)
    assert view["unit_strength"].shape == (16,) and view["word_strength"].shape == (len(expected.words),)
    assert len(view["word_pos"]) == len(view["words"])
    assert view["provenance"] == expected.extra["provenance"] and view["provenance"]["corpus"].endswith("corpus.txt")


async def test_glyph_view_of_a_text(stream: StreamServer, service):
    ws, _ = await open_panel(stream)
    text = "the staff was not helpful"
    answer = await request(ws, {"type": "glyph_request", "id": 12, "model": MODEL, "text": text, "layer": 1,
                                "state": "h", "k": 3})
    await ws.close()
    glyphs = answer["glyphs"]
    assert answer["id"] == 12 and answer["uri"] is None
    assert [t["text"] for t in glyphs["tokens"]] == text.split()
    assert text[glyphs["tokens"][3]["start"]:glyphs["tokens"][3]["end"]] == "not"
    assert glyphs["provenance"]["model"] == MODEL and glyphs["provenance"]["corpus"].endswith("corpus.txt")
    expected = service.analyze_text(MODEL, text, 1, "h", 3).glyphs[1]
    for name in ("positive", "negative", "delta_positive", "delta_negative", "update", "kept"):
        np.testing.assert_allclose(glyphs[name], expected.__dict__[name], rtol=1e-6)
        assert glyphs[name].shape == (5, 3)
    assert glyphs["responses"].shape == (5, 16)
    assert glyphs["output_probs"].shape == (5, 5) and len(glyphs["outputs"][0]) == 5
    assert np.all(np.diff(glyphs["output_probs"], axis=1) <= 0)  # top-k, most likely first


async def test_glyphs_of_the_editor_sentence_follow_the_cursor(stream: StreamServer):
    ws, _ = await open_panel(stream)
    stream.cursor = None
    missing = await request(ws, {"type": "glyph_request", "id": 1, "model": MODEL, "text": None, "layer": None,
                                 "state": None, "k": 3})
    assert missing["type"] == "error" and missing["id"] == 1 and "no editor sentence" in missing["message"]
    cursor = {"uri": "file:///doc.txt", "line": 2, "character": 7, "offset": 40, "token": "good",
              "sentence": "i love it", "sentence_start": 33}
    stream.broadcast_cursor(cursor)
    pushed = decode_message(await ws.recv())
    assert pushed == {"type": "cursor", "cursor": cursor}
    answer = await request(ws, {"type": "glyph_request", "id": 2, "model": MODEL, "text": None, "layer": None,
                                "state": None, "k": 3})
    await ws.close()
    assert answer["uri"] == "file:///doc.txt" and answer["sentence_start"] == 33
    assert [t["text"] for t in answer["glyphs"]["tokens"]] == ["i", "love", "it"]


async def test_unit_detail_gives_box_plot_distributions(stream: StreamServer, service):
    ws, _ = await open_panel(stream)
    answer = await request(ws, {"type": "unit_request", "id": 13, "model": MODEL, "layer": 2, "state": "c",
                                "unit": 5, "top": 4, "k": 3})
    await ws.close()
    expected = service.explain_unit(MODEL, 2, "c", 5, 4)
    assert answer["type"] == "unit_detail" and answer["unit"] == 5
    assert answer["cluster"] == int(service.unit_labels(MODEL, 2, "c", 3)[5])
    positive = answer["positive"]
    assert positive["words"] == [e.word for e in expected.positive]
    assert positive["counts"].tolist() == [e.count for e in expected.positive]
    assert answer["min_count"] == expected.min_count and answer["provenance"]["model"] == MODEL
    assert positive["percentiles"].shape == (len(positive["words"]), 5)
    assert np.all(positive["mean"] > 0) and np.all(answer["negative"]["mean"] < 0)
    boxes = positive["percentiles"][~np.isnan(positive["percentiles"]).any(axis=1)]
    assert np.all(np.diff(boxes, axis=1) >= 0)  # 9 <= 25 <= 50 <= 75 <= 91


async def test_word_detail_gives_the_response_profile(stream: StreamServer, service):
    ws, _ = await open_panel(stream)
    answer = await request(ws, {"type": "word_request", "id": 14, "model": MODEL, "word": "Food", "layer": None,
                                "state": None, "k": 3})
    await ws.close()
    expected = service.explain_word(MODEL, "food", None, None, 3)
    assert answer["word"] == "food" and answer["count"] == expected.count > 0
    np.testing.assert_allclose(answer["profile"], expected.mean, atol=1e-6)
    assert answer["cluster"] == expected.cluster
    assert answer["provenance"] == expected.provenance.to_json()
    # The percentile bands of the word's kept samples: (5, H), ordered 9 <= 25 <= 50 <= 75 <= 91.
    assert expected.percentiles is not None
    np.testing.assert_allclose(answer["percentiles"], expected.percentiles, atol=1e-6)
    assert answer["percentiles"].shape == (5, expected.mean.shape[0])
    assert np.all(np.diff(answer["percentiles"], axis=0) >= 0)


async def test_compare_two_models_with_glyphs(stream: StreamServer):
    ws, _ = await open_panel(stream)
    answer = await request(ws, {"type": "compare_request", "id": 15, "model_a": "tiny-lstm-lm",
                                "model_b": "tiny-gru-lm", "text": "the movie was good", "layer": None,
                                "state": None, "k": 3})
    await ws.close()
    assert answer["type"] == "compare_view", answer
    assert (answer["a"]["model"], answer["b"]["model"]) == ("tiny-lstm-lm", "tiny-gru-lm")
    assert answer["b"]["state"] == "h"  # a GRU has no cell state
    assert sorted(answer["matching"].tolist()) == [0, 1, 2] and 0 <= answer["similarity"] <= 1
    assert answer["glyphs_a"]["positive"].shape == answer["glyphs_b"]["positive"].shape == (4, 3)


async def test_ping_reveal_and_cancel_of_nothing(stream: StreamServer):
    ws, _ = await open_panel(stream)
    assert await request(ws, {"type": "ping", "id": 1, "payload": "héllo"}) == {"type": "pong", "id": 1,
                                                                                "payload": "héllo"}
    assert await request(ws, {"type": "reveal", "id": 2, "uri": "file:///doc.txt", "start": 3, "end": 7}) == {
        "type": "ack", "id": 2}
    assert stream.reveals[-1] == ("file:///doc.txt", 3, 7)
    assert (await request(ws, {"type": "cancel", "id": 3, "target": 99}))["type"] == "ack"
    await ws.close()


async def test_analysis_errors_come_back_as_messages_naming_the_problem(stream: StreamServer):
    ws, _ = await open_panel(stream)
    answer = await request(ws, {"type": "unit_request", "id": 21, "model": "no-such-model", "layer": None,
                                "state": None, "unit": 0, "top": 3, "k": 3})
    assert answer["type"] == "error" and answer["id"] == 21 and answer["code"] == "failed"
    assert "no-such-model" in answer["message"]
    answer = await request(ws, {"type": "unit_request", "id": 22, "model": MODEL, "layer": 7, "state": None,
                                "unit": 0, "top": 3, "k": 3})
    assert answer["id"] == 22 and "layer 7" in answer["message"]
    assert (await request(ws, {"type": "ping", "id": 23, "payload": "still here"}))["payload"] == "still here"
    await ws.close()


@pytest.mark.parametrize(("frame", "code", "request_id"), [
    (b"\xc1\xc1", "malformed", None),
    ("a text frame", "malformed", None),
    (msgpack.packb({"type": "shutdown", "id": 5}), "unknown_type", 5),
    (msgpack.packb({"type": "hello", "id": 5}), "unknown_type", 5),  # server-only message from a panel
    (msgpack.packb({"type": "unit_request", "id": 6, "model": MODEL}), "invalid", 6),
    (msgpack.packb({"type": "ping", "id": 7, "payload": "x" * 300_000}), "too_large", None),
])
async def test_bad_frames_get_an_error_and_the_connection_stays(stream: StreamServer, frame, code, request_id):
    ws, _ = await open_panel(stream)
    await ws.send(frame)
    error = decode_message(await ws.recv())
    assert (error["type"], error["code"], error["id"]) == ("error", code, request_id)
    assert (await request(ws, {"type": "ping", "id": 8, "payload": "after"}))["payload"] == "after"
    await ws.close()


async def test_frame_beyond_the_hard_limit_closes_only_that_connection(stream: StreamServer):
    ws, _ = await open_panel(stream, max_size=None)
    other, _ = await open_panel(stream)
    await ws.send(b"\x00" * (stream.limits.max_frame_bytes + 1))
    with pytest.raises(ConnectionClosedError) as closed:
        await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
    assert (await request(other, {"type": "ping", "id": 1, "payload": "fine"}))["payload"] == "fine"
    await other.close()
    async with connect(stream.url) as fresh:
        assert decode_message(await fresh.recv())["type"] == "hello"


async def test_a_running_id_cannot_be_reused(stream: StreamServer, slow_handler):
    ws, _ = await open_panel(stream)
    message = {"type": "cocluster_request", "id": 40, "model": MODEL, "layer": None, "state": None, "k": 3,
               "n_words": 12}
    await ws.send(encode_message(message))
    duplicate = await request(ws, message)
    assert duplicate["type"] == "error" and duplicate["id"] == 40 and "still running" in duplicate["message"]
    await request(ws, {"type": "cancel", "id": 41, "target": 40})
    await ws.close()


async def test_cocluster_view_carries_each_words_responses_for_the_chips(stream: StreamServer, service):
    ws, _ = await open_panel(stream)
    answer = await request(ws, {"type": "cocluster_request", "id": 16, "model": MODEL, "layer": 1,
                                "state": "h", "k": 3, "n_words": 12})
    await ws.close()
    view = answer["view"]
    assert view["responses"].dtype == np.float16 and view["responses"].shape == (len(view["words"]), 16)
    for i, word in enumerate(view["words"][:3]):
        profile = service.explain_word(MODEL, word, 1, "h", 3).mean
        np.testing.assert_allclose(view["responses"][i], profile, rtol=2e-3, atol=1e-4)

"""The language server's pure parts: positions, incremental states, settings, glyph drawing."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import torch
from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec
from rnnlens.lsp.glyph_text import encode_png, sparkline, sparklines
from rnnlens.lsp.incremental import StateTimeline, first_difference
from rnnlens.lsp.positions import PositionMap, lsp_lines
from rnnlens.lsp.settings import Settings, apply_settings
from rnnlens.models.storage import load_model


def test_positions_round_trip_in_utf16_with_emoji_cjk_and_combining_marks():
    text = "a😀b\n漢字 e\u0301x\n\nlast"
    positions = PositionMap(text, PositionCodec())
    assert positions.position_at(2) == types.Position(0, 3)  # "b" after a two-unit emoji
    assert positions.position_at(text.index("x")) == types.Position(1, 5)  # CJK and the combining mark: 1 unit each
    for offset in range(len(text)):
        assert positions.offset_at(positions.position_at(offset)) == offset
    assert positions.offset_at(types.Position(0, 2)) == 1  # inside the surrogate pair: the emoji itself
    assert positions.offset_at(types.Position(9, 0)) is None
    assert positions.offset_at(types.Position(0, 40)) is None


def test_lines_break_only_where_lsp_breaks_them():
    # form feed, VT, FS, GS, RS, U+0085, U+2028, U+2029 stay inside their line (str.splitlines breaks there)
    inside = "\x0c\x0b\x1c\x1d\x1e\x85\u2028\u2029"
    assert lsp_lines(f"a{inside}b\r\nc\rd\ne\n") == [f"a{inside}b\r\n", "c\r", "d\n", "e\n", ""]
    positions = PositionMap("the staff\x0cwas\u2028good\nx", PositionCodec())
    assert positions.line_count == 2
    assert positions.position_at(10) == types.Position(0, 10)  # "was", after the form feed, on line 0
    assert positions.offset_at(types.Position(1, 0)) == len("the staff\x0cwas\u2028good\n")
    assert positions.clamped_offset(types.Position(0, 99)) == len("the staff\x0cwas\u2028good")  # not past "\n"
    crlf = PositionMap("é😀\r\nb\rc", PositionCodec())
    assert crlf.clamped_offset(types.Position(0, 99)) == 2  # a column past the end: the end, before "\r\n"
    assert crlf.offset_at(types.Position(0, 99)) is None
    assert crlf.offset_at(types.Position(1, 0)) == 4 and crlf.offset_at(types.Position(2, 0)) == 6
    assert crlf.line_span(0, 1) == (0, 6)  # lines 0 and 1 with their breaks


def test_utf8_clients_count_bytes():
    positions = PositionMap("é😀x", PositionCodec(types.PositionEncodingKind.Utf8))
    assert positions.position_at(2) == types.Position(0, 6)


def test_first_difference():
    assert first_difference(np.array([1, 2, 3]), np.array([1, 2, 4])) == 2
    assert first_difference(np.array([1, 2]), np.array([1, 2, 3])) == 2
    assert first_difference(np.array([], dtype=np.int64), np.array([5])) == 0


def _full_states(model, ids: np.ndarray) -> dict[str, np.ndarray]:
    trace = model.trace(torch.from_numpy(ids).view(1, -1), outputs=False)
    return {name: trace.states[name][0].numpy() for name in trace.initial_state}


def test_an_edit_recomputes_from_the_checkpoint_before_it_and_only_up_to_the_range(tiny_models: Path):
    model = load_model(tiny_models / "tiny-lstm-lm")
    rng = np.random.default_rng(0)
    ids = rng.integers(0, len(model.vocab), 1000)
    timeline = StateTimeline(model, chunk_size=64)
    timeline.set_ids(ids)
    timeline.chunks_for(0, 1000)
    assert timeline.tokens_computed == 1000
    edited = ids.copy()
    edited[700] = (edited[700] + 1) % len(model.vocab)
    assert timeline.set_ids(edited) == 700
    chunks = timeline.chunks_for(680, 760)  # a visible range around the edit
    assert timeline.tokens_computed == 1000 + (768 - 640)  # from checkpoint 640 to the end of chunk 11 only
    assert [chunk.start for chunk in chunks] == [640, 704]
    full = _full_states(model, edited)
    for chunk in chunks:
        for name, states in chunk.states.items():
            np.testing.assert_allclose(states, full[name][chunk.start:chunk.end], atol=1e-5)
    np.testing.assert_allclose(chunks[0].previous("layer2.c")[0], full["layer2.c"][639], atol=1e-5)
    untouched = timeline.chunks_for(0, 64)
    assert timeline.tokens_computed == 1128 and untouched[0].start == 0  # before the edit: still cached


def test_a_timeline_keeps_only_the_states_it_shows_and_still_resumes_exactly(tiny_models: Path):
    model = load_model(tiny_models / "tiny-lstm-lm")
    ids = np.random.default_rng(1).integers(0, len(model.vocab), 300)
    timeline = StateTimeline(model, keep={"layer2.c"}, chunk_size=32, slice_chunks=3)
    timeline.set_ids(ids)
    timeline.chunks_for(0, 300)
    edited = ids.copy()
    edited[150] = (edited[150] + 1) % len(model.vocab)
    timeline.set_ids(edited)
    chunks = timeline.chunks_for(140, 300)  # resumes from checkpoint 128, completed from the slice end at 96
    assert timeline.tokens_computed == 300 + (300 - 128)
    full = _full_states(model, edited)
    for chunk in chunks:
        assert set(chunk.states) == {"layer2.c", "layer1.h", "layer2.h"}  # no layer1.c: solved at checkpoints only
        np.testing.assert_allclose(chunk.states["layer2.c"], full["layer2.c"][chunk.start:chunk.end], atol=1e-5)


def test_appending_extends_the_last_partial_chunk(tiny_models: Path):
    model = load_model(tiny_models / "tiny-gru-lm")
    ids = np.arange(100) % len(model.vocab)
    timeline = StateTimeline(model, chunk_size=64)
    timeline.set_ids(ids[:70])
    timeline.chunks_for(0, 70)
    timeline.set_ids(ids)
    chunk = timeline.chunks_for(90, 100)[0]
    assert (chunk.start, chunk.end) == (64, 100)
    np.testing.assert_allclose(chunk.states["layer1.h"], _full_states(model, ids)["layer1.h"][64:100], atol=1e-5)


def test_settings_report_bad_values_by_name_and_keep_the_old_value():
    settings, problems = apply_settings(Settings(), {"clusters": 1, "inlayHints": {"density": "sparse"},
                                                     "state": "auto", "layer": 2})
    assert settings.clusters == 8 and settings.inlay_density == "large" and settings.state is None
    assert settings.layer == 2
    assert len(problems) == 1 and "rnnlens.clusters" in problems[0]
    _, problems = apply_settings(Settings(), ["not", "an", "object"])
    assert problems == ["RNN Lens settings must be an object, got list"]


def test_sparkline_centres_zero_and_orders_heights():
    assert sparkline(np.array([-1.0, 0.0, 1.0])) == "▁▅█"
    assert sparkline(np.array([0.001, -0.001])) == "▅▄"  # below the floor: "no change"
    assert sparkline(np.array([])) == ""


def test_png_encoder_writes_a_decodable_image():
    pixels = np.zeros((3, 2, 3), dtype=np.uint8)
    pixels[1, 1] = (245, 160, 60)
    png = encode_png(pixels)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (2, 3)
    length = struct.unpack(">I", png[33:37])[0]
    raw = zlib.decompress(png[41:41 + length])
    rows = [raw[i * 7:(i + 1) * 7] for i in range(3)]
    assert all(row[0] == 0 for row in rows)  # filter byte
    assert rows[1][4:7] == bytes((245, 160, 60))


def test_sparklines_match_sparkline_row_by_row():
    updates = np.random.default_rng(3).normal(size=(200, 7))
    updates[4] = 0.0  # a flat row
    updates[5] = [0.001, -0.001, 0, 0, 0, 0, 0]  # below the floor
    assert sparklines(updates) == [sparkline(row) for row in updates]
    assert sparklines(np.zeros((3, 0))) == ["", "", ""]
    assert sparklines(np.zeros((0, 4))) == []


def test_memoised_labels_die_with_the_chunks_an_edit_reaches(tiny_models: Path):
    model = load_model(tiny_models / "tiny-gru-lm")
    ids = np.arange(200) % len(model.vocab)
    timeline = StateTimeline(model, chunk_size=64)
    timeline.set_ids(ids)
    before, after = timeline.chunks_for(0, 1)[0], timeline.chunks_for(150, 151)[0]
    calls: list[int] = []
    for chunk in (before, after):
        chunk.memo("key", lambda chunk=chunk: calls.append(chunk.start) or chunk.start)
        assert chunk.memo("key", lambda: -1) == chunk.start  # memoised: `make` runs once
    edited = ids.copy()
    edited[130] = (edited[130] + 1) % len(model.vocab)
    timeline.set_ids(edited)
    assert timeline.chunks_for(0, 1)[0] is before and before.memo("key", lambda: -1) == 0
    fresh = timeline.chunks_for(150, 151)[0]
    assert fresh is not after and fresh.memo("key", lambda: -1) == -1  # recomputed, not the old value
    assert calls == [0, 128]



def test_content_modified_is_one_info_line_and_other_errors_keep_their_traceback(caplog):
    import logging

    from pygls.exceptions import JsonRpcContentModified
    from rnnlens.lsp.server import quiet_normal_events

    quiet_normal_events()
    pygls_log = logging.getLogger("pygls.protocol.json_rpc")
    caplog.set_level(logging.INFO, logger="pygls.protocol.json_rpc")
    for error in (JsonRpcContentModified("the document changed"), ValueError("a real bug")):
        try:
            raise error
        except Exception:
            pygls_log.exception('Exception occurred for message "%s"', 7)
    overtaken, bug = caplog.records
    assert overtaken.levelno == logging.INFO and overtaken.exc_info is None
    assert "the document changed" in overtaken.getMessage()
    assert bug.levelno == logging.ERROR and bug.exc_info is not None


def test_the_benchmarks_baseline_is_not_a_user_setting():
    settings, problems = apply_settings(Settings(), {"incremental": False})
    assert not hasattr(settings, "incremental")
    assert any("unknown setting rnnlens.incremental" in problem for problem in problems)


def test_the_language_server_package_does_not_import_the_stream():
    # the command line wires the panel stream in (cli/lsp_cmd.py): lsp/ stays usable without it
    lsp_folder = Path(__file__).resolve().parents[2] / "server" / "rnnlens" / "lsp"
    importers = [path.name for path in lsp_folder.glob("*.py") if "rnnlens.stream" in path.read_text(encoding="utf-8")]
    assert importers == []

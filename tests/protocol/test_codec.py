"""The msgpack codec: typed arrays, canonical numbers, and validation errors that name the field."""

from __future__ import annotations

import json
from pathlib import Path

import msgpack
import numpy as np
import pytest
from rnnlens.protocol import ProtocolError, decode_message, encode_message


def _word_detail(**changes):
    message = {"type": "word_detail", "id": 3, "model": "m", "layer": 1, "state": "h", "word": "the",
               "cluster": None, "pos": None, "count": 2, "profile": np.linspace(-1, 1, 7, dtype=np.float32),
               "provenance": None, "percentiles": None}
    return {**message, **changes}


def test_arrays_travel_as_typed_binary_with_dtype_and_shape():
    frame = encode_message(_word_detail(profile=np.arange(6, dtype=np.float64).reshape(2, 3)))
    raw = msgpack.unpackb(frame, raw=False)
    assert raw["profile"]["dtype"] == "float32" and raw["profile"]["shape"] == [2, 3]
    assert isinstance(raw["profile"]["data"], bytes) and len(raw["profile"]["data"]) == 24
    decoded = decode_message(frame)
    assert decoded["profile"].dtype == np.float32
    np.testing.assert_array_equal(decoded["profile"], np.arange(6).reshape(2, 3))


def test_float16_arrays_keep_float16_precision():
    golden = Path(__file__).parents[2] / "protocol" / "golden" / "cocluster_view.json"
    view = json.loads(golden.read_text())["view"]["responses"]["$ndarray"]
    assert view["dtype"] == "float16"
    values = np.array(view["values"])
    np.testing.assert_array_equal(values.astype(np.float16).astype(np.float64), values)


def test_integral_floats_travel_as_integers_and_decode_as_floats():
    frame = encode_message({"type": "progress", "id": 1, "fraction": 1.0, "message": ""})
    assert msgpack.unpackb(frame)["fraction"] == 1 and isinstance(msgpack.unpackb(frame)["fraction"], int)
    assert isinstance(decode_message(frame)["fraction"], float)
    frame = encode_message({"type": "progress", "id": 1, "fraction": 0.1, "message": ""})
    assert msgpack.unpackb(frame)["fraction"] == 0.1


def test_keys_follow_schema_order_whatever_the_input_order():
    message = _word_detail()
    shuffled = dict(reversed(list(message.items())))
    assert encode_message(shuffled) == encode_message(message)
    assert list(msgpack.unpackb(encode_message(message), raw=False))[:3] == ["type", "id", "model"]


@pytest.mark.parametrize(("frame", "code", "text"), [
    (b"\xc1", "malformed", "not a msgpack message"),
    (msgpack.packb([1, 2]), "malformed", "must be a msgpack map"),
    (msgpack.packb({"id": 4}), "invalid", "string `type`"),
    (msgpack.packb({"type": "explode", "id": 4}), "unknown_type", "'explode'"),
    (msgpack.packb({"type": "unit_request", "id": 4, "model": "m", "layer": None, "state": None, "unit": "x",
                    "top": 3}), "invalid", "unit_request.unit: expected int"),
    (msgpack.packb({"type": "cancel", "id": 4}), "invalid", "cancel.target: missing"),
    (msgpack.packb({"type": "cancel", "id": 4, "target": True}), "invalid", "cancel.target: expected int"),
])
def test_bad_frames_raise_protocol_errors_naming_the_problem(frame, code, text):
    with pytest.raises(ProtocolError) as caught:
        decode_message(frame, direction="panel")
    assert caught.value.code == code and text in str(caught.value)


def test_protocol_error_keeps_the_request_id_for_the_answer():
    with pytest.raises(ProtocolError) as caught:
        decode_message(msgpack.packb({"type": "cancel", "id": 41, "target": "x"}), direction="panel")
    assert caught.value.request_id == 41


def test_direction_is_enforced():
    frame = encode_message({"type": "ack", "id": 1})
    with pytest.raises(ProtocolError, match="unknown message type 'ack'"):
        decode_message(frame, direction="panel")


def test_array_with_wrong_byte_count_is_refused():
    raw = msgpack.unpackb(encode_message(_word_detail()), raw=False)
    raw["profile"]["data"] = raw["profile"]["data"][:-1]
    with pytest.raises(ProtocolError, match="profile: data must be bin of 7 x 4 bytes"):
        decode_message(msgpack.packb(raw, use_bin_type=True))


def test_unknown_keys_survive_a_round_trip():
    frame = encode_message(_word_detail(added_later=[1, 2.5]))
    assert decode_message(frame)["added_later"] == [1, 2.5]


@pytest.mark.parametrize("number", [2**64, -(2**63) - 1])
def test_an_integer_msgpack_cannot_carry_is_a_protocol_error_naming_it(number: int):
    hello = {"type": "hello", "protocol": 0, "server": "", "models": [], "settings": {"size": number}, "cursor": None}
    with pytest.raises(ProtocolError, match=str(number)):
        encode_message(hello)
    with pytest.raises(ProtocolError, match="protocol"):
        encode_message({**hello, "settings": {}, "protocol": number})

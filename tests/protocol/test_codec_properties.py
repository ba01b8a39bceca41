"""Property tests: any message the schema allows survives encode -> decode -> encode byte for byte,
and no byte string makes the decoder fail with anything but a ProtocolError."""

from __future__ import annotations

from typing import Any

import msgpack
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rnnlens.protocol import SCHEMA, ProtocolError, decode_message, encode_message
from rnnlens.protocol.codec import NUMPY_DTYPES, WIRE_INT_RANGE, message_fields

FLOATS = st.floats(allow_nan=False, allow_infinity=False, width=64)
INTS = st.integers(min_value=-(2**31), max_value=2**31 - 1)
WIRE_INTS = st.integers(min_value=WIRE_INT_RANGE[0], max_value=WIRE_INT_RANGE[1])  # larger ones: see test_codec.py


def _array(dtype: str) -> st.SearchStrategy[np.ndarray]:
    shapes = st.lists(st.integers(0, 4), min_size=1, max_size=3)
    if dtype == "int32":
        elements: st.SearchStrategy[Any] = INTS
    else:
        elements = st.floats(allow_nan=False, allow_infinity=False, width=16 if dtype == "float16" else 32)
    return shapes.flatmap(lambda shape: st.lists(elements, min_size=int(np.prod(shape)), max_size=int(np.prod(shape)))
                          .map(lambda values: np.array(values, dtype=NUMPY_DTYPES[dtype]).reshape(shape)))


def value_for(expr: str) -> st.SearchStrategy[Any]:
    if expr.endswith("?"):
        return st.none() | value_for(expr[:-1])
    if expr.startswith("list<"):
        return st.lists(value_for(expr[5:-1]), max_size=3)
    if expr.startswith("ndarray<"):
        return _array(expr[8:-1])
    simple = {"str": st.text(max_size=8), "int": INTS, "float": FLOATS, "bool": st.booleans(),
              "any": st.dictionaries(st.text(max_size=4), WIRE_INTS | st.text(max_size=4) | st.none(), max_size=3)}
    if expr in simple:
        return simple[expr]
    return st.fixed_dictionaries({k: value_for(v) for k, v in SCHEMA["records"][expr]["fields"].items()})


def message_strategy() -> st.SearchStrategy[dict[str, Any]]:
    def one(name: str) -> st.SearchStrategy[dict[str, Any]]:
        fields = {key: value_for(expr) for key, expr in message_fields(name) if key != "type"}
        return st.fixed_dictionaries(fields).map(lambda m: {"type": name, **m})

    return st.one_of([one(name) for name in SCHEMA["messages"]])


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.shape == b.shape and np.array_equal(a, b)
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(message_strategy())
def test_every_valid_message_round_trips_byte_for_byte(message: dict[str, Any]):
    frame = encode_message(message)
    decoded = decode_message(frame, direction=SCHEMA["messages"][message["type"]]["direction"])
    assert _same(decoded, message)
    assert encode_message(decoded) == frame


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=64) | st.builds(lambda v: msgpack.packb(v, use_bin_type=True),
                                          st.dictionaries(st.sampled_from(["type", "id", "model", "target", "k"]),
                                                          st.sampled_from(list(SCHEMA["messages"])) | INTS
                                                          | st.none() | st.binary(max_size=4), max_size=5)))
def test_arbitrary_bytes_give_a_protocol_error_or_a_valid_message(frame: bytes):
    try:
        message = decode_message(frame, direction="panel")
    except ProtocolError as exc:
        assert exc.code in {"malformed", "invalid", "unknown_type"}
    else:
        assert message["type"] in SCHEMA["messages"]

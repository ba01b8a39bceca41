"""Encode and decode protocol messages as msgpack, checked against the schema in messages.py.

Wire rules (the TypeScript codec follows the same ones, proven by the golden vectors):
- a message is a map: `type`, then `id` for requests and their answers, then the fields in schema order;
- an ndarray is a map {dtype, shape, data}: data is msgpack bin, little-endian, C order;
- a float whose value is integral travels as an integer (JavaScript cannot tell 1.0 from 1, so this
  is the only way both encoders write the same bytes); other floats are float64.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import msgpack
import numpy as np

from rnnlens.protocol.messages import SCHEMA

NUMPY_DTYPES: dict[str, np.dtype[Any]] = {"float32": np.dtype("<f4"), "float16": np.dtype("<f2"), "int32": np.dtype("<i4")}
ARRAY_KEYS = ("dtype", "shape", "data")
MAX_SAFE_INTEGER = 2**53 - 1
WIRE_INT_RANGE = (-(2**63), 2**64 - 1)  # what a msgpack integer can hold at all


class ProtocolError(ValueError):
    """A frame that is not a valid message. `code` is the protocol error code, `request_id` the id when
    it could be read (so the error message can answer the request)."""

    def __init__(self, code: str, message: str, request_id: int | None = None):
        super().__init__(message)
        self.code = code
        self.request_id = request_id


def encode_message(message: Mapping[str, Any], direction: str | None = None) -> bytes:
    """Validate `message` (a dict with `type`) against the schema and pack it canonically."""
    spec = _message_spec(message, direction)
    return msgpack.packb(_message_to_wire(message, spec), use_bin_type=True)


def decode_message(frame: bytes, direction: str | None = None) -> dict[str, Any]:
    """Unpack and validate one frame; ndarrays come back as read-only numpy arrays."""
    try:
        raw = msgpack.unpackb(frame, raw=False, strict_map_key=True)
    except Exception as exc:  # msgpack raises several unrelated types for bad bytes
        raise ProtocolError("malformed", f"not a msgpack message: {exc}") from None
    if not isinstance(raw, dict):
        raise ProtocolError("malformed", "a message must be a msgpack map")
    request_id = raw.get("id") if isinstance(raw.get("id"), int) and not isinstance(raw.get("id"), bool) else None
    try:
        spec = _message_spec(raw, direction)
        return _message_from_wire(raw, spec)
    except ProtocolError as exc:
        exc.request_id = request_id
        raise


def message_fields(name: str) -> list[tuple[str, str]]:
    """(key, type) of every key of message `name`, envelope first, in wire order."""
    spec = SCHEMA["messages"][name]
    keys = [("type", "str")]
    if spec.get("request"):
        keys.append(("id", "int"))
    return keys + list(spec["fields"].items())


def _message_spec(message: Mapping[str, Any], direction: str | None) -> list[tuple[str, str]]:
    name = message.get("type")
    if not isinstance(name, str):
        raise ProtocolError("invalid", "a message needs a string `type`")
    spec = SCHEMA["messages"].get(name)
    if spec is None or (direction is not None and spec["direction"] != direction):
        raise ProtocolError("unknown_type", f"unknown message type {name!r}")
    return message_fields(name)


def _message_to_wire(message: Mapping[str, Any], fields: list[tuple[str, str]]) -> dict[str, Any]:
    return _record_to_wire(message, fields, str(message.get("type")))


def _message_from_wire(message: Mapping[str, Any], fields: list[tuple[str, str]]) -> dict[str, Any]:
    return _record_from_wire(message, fields, str(message.get("type")))


def _record_to_wire(value: Any, fields: list[tuple[str, str]], path: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ProtocolError("invalid", f"{path}: expected a map")
    out: dict[str, Any] = {}
    for key, expr in fields:
        if key not in value:
            raise ProtocolError("invalid", f"{path}.{key}: missing")
        out[key] = _to_wire(value[key], expr, f"{path}.{key}")
    for key, extra in value.items():
        if key not in out:  # unknown keys travel as they are (forward compatibility)
            out[key] = _generic_to_wire(extra)
    return out


def _record_from_wire(value: Any, fields: list[tuple[str, str]], path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ProtocolError("invalid", f"{path}: expected a map")
    out: dict[str, Any] = {}
    for key, expr in fields:
        if key not in value:
            raise ProtocolError("invalid", f"{path}.{key}: missing")
        out[key] = _from_wire(value[key], expr, f"{path}.{key}")
    for key, extra in value.items():
        if key not in out:
            out[key] = extra
    return out


def _to_wire(value: Any, expr: str, path: str) -> Any:
    if expr.endswith("?"):
        return None if value is None else _to_wire(value, expr[:-1], path)
    if expr.startswith("list<"):
        if isinstance(value, (str, bytes, Mapping)) or not hasattr(value, "__iter__"):
            raise ProtocolError("invalid", f"{path}: expected a list")
        return [_to_wire(item, expr[5:-1], f"{path}[{i}]") for i, item in enumerate(value)]
    if expr.startswith("ndarray<"):
        return _array_to_wire(value, expr[8:-1], path)
    if expr == "any":
        return _generic_to_wire(value)
    if expr in SCHEMA["records"]:
        return _record_to_wire(value, list(SCHEMA["records"][expr]["fields"].items()), path)
    return _primitive(value, expr, path, decoding=False)


def _from_wire(value: Any, expr: str, path: str) -> Any:
    if expr.endswith("?"):
        return None if value is None else _from_wire(value, expr[:-1], path)
    if expr.startswith("list<"):
        if not isinstance(value, list):
            raise ProtocolError("invalid", f"{path}: expected a list")
        return [_from_wire(item, expr[5:-1], f"{path}[{i}]") for i, item in enumerate(value)]
    if expr.startswith("ndarray<"):
        return _array_from_wire(value, expr[8:-1], path)
    if expr == "any":
        return value
    if expr in SCHEMA["records"]:
        return _record_from_wire(value, list(SCHEMA["records"][expr]["fields"].items()), path)
    return _primitive(value, expr, path, decoding=True)


def _primitive(value: Any, expr: str, path: str, decoding: bool) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if expr == "str":
        if isinstance(value, str):
            return value
    elif expr == "bool":
        if isinstance(value, bool):
            return value
    elif expr == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            return value if decoding else _wire_int(value, path)
    elif expr == "float":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value) if decoding else _canonical_float(float(value))
    else:
        raise ProtocolError("invalid", f"{path}: unknown schema type {expr!r}")
    raise ProtocolError("invalid", f"{path}: expected {expr}, got {type(value).__name__}")


def _wire_int(value: int, path: str) -> int:
    low, high = WIRE_INT_RANGE
    if not low <= value <= high:
        raise ProtocolError("invalid", f"{path}: the integer {value} is outside the 64-bit range msgpack can carry")
    return value


def _canonical_float(value: float) -> float | int:
    if math.isfinite(value) and value.is_integer() and abs(value) <= MAX_SAFE_INTEGER:
        return int(value)
    return value


def _array_to_wire(value: Any, dtype_name: str, path: str) -> dict[str, Any]:
    if isinstance(value, (str, bytes, Mapping)):
        raise ProtocolError("invalid", f"{path}: expected an array of {dtype_name}")
    try:
        array = np.ascontiguousarray(np.asarray(value).astype(NUMPY_DTYPES[dtype_name], copy=False))
    except (TypeError, ValueError) as exc:
        raise ProtocolError("invalid", f"{path}: expected an array of {dtype_name}: {exc}") from None
    return {"dtype": dtype_name, "shape": list(array.shape), "data": array.tobytes()}


def _array_from_wire(value: Any, dtype_name: str, path: str) -> np.ndarray:
    if not isinstance(value, dict) or any(key not in value for key in ARRAY_KEYS):
        raise ProtocolError("invalid", f"{path}: expected an ndarray map {{dtype, shape, data}}")
    if value["dtype"] != dtype_name:
        raise ProtocolError("invalid", f"{path}: expected dtype {dtype_name}, got {value['dtype']!r}")
    shape = value["shape"]
    if not isinstance(shape, list) or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0
                                              for n in shape):
        raise ProtocolError("invalid", f"{path}: shape must be a list of non-negative integers")
    data = value["data"]
    dtype = NUMPY_DTYPES[dtype_name]
    if not isinstance(data, bytes) or len(data) != math.prod(shape) * dtype.itemsize:
        raise ProtocolError("invalid", f"{path}: data must be bin of {math.prod(shape)} x {dtype.itemsize} bytes")
    return np.frombuffer(data, dtype=dtype).reshape(shape)


def _generic_to_wire(value: Any) -> Any:
    """Values of `any` fields and unknown keys: plain data, numpy scalars unwrapped."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, int) and not isinstance(value, bool):
        return _wire_int(value, "a value")
    if isinstance(value, bool) or value is None or isinstance(value, (str, bytes)):
        return value
    if isinstance(value, float):
        return _canonical_float(value)
    if isinstance(value, Mapping):
        return {str(k): _generic_to_wire(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_generic_to_wire(v) for v in value]
    if isinstance(value, np.ndarray):
        return _generic_to_wire(value.tolist())
    raise ProtocolError("invalid", f"cannot encode a {type(value).__name__}")


def to_json_description(value: Any) -> Any:
    """A JSON-able picture of a decoded message (golden vectors): ndarrays as
    {"$ndarray": {"dtype", "shape", "values"}} with values in C order."""
    if isinstance(value, np.ndarray):
        dtype = next(name for name, dt in NUMPY_DTYPES.items() if dt == value.dtype)
        values = value.astype(np.float64 if dtype != "int32" else np.int64).ravel().tolist()
        return {"$ndarray": {"dtype": dtype, "shape": list(value.shape), "values": values}}
    if isinstance(value, dict):
        return {k: to_json_description(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json_description(v) for v in value]
    return value


def check_notification(method: str, params: Any) -> dict[str, Any]:
    """Validate the params of a custom LSP notification (JSON, so no arrays) against the schema."""
    spec = SCHEMA["notifications"].get(method)
    if spec is None:
        raise ProtocolError("unknown_type", f"unknown notification {method!r}")
    return _record_from_wire(params, list(spec["fields"].items()), method)

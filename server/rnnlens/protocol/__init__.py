"""The panel/LSP message protocol: generated types (messages.py, from protocol/messages.json) and the
msgpack codec that validates every message against that one definition (codec.py).

The codec (numpy, msgpack) is imported on first use of one of its names: the language server
imports `protocol.commands` before it answers `initialize`, and that would import this package."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rnnlens.protocol.codec import (
        ProtocolError,
        check_notification,
        decode_message,
        encode_message,
        to_json_description,
    )
    from rnnlens.protocol.messages import PROTOCOL_VERSION, SCHEMA

_HOMES = {"ProtocolError": "codec", "check_notification": "codec", "decode_message": "codec",
          "encode_message": "codec", "to_json_description": "codec", "PROTOCOL_VERSION": "messages",
          "SCHEMA": "messages"}

__all__ = ["PROTOCOL_VERSION", "SCHEMA", "ProtocolError", "check_notification", "decode_message", "encode_message",
           "to_json_description"]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value

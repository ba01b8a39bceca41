"""The panel/LSP message protocol: generated types (messages.py, from protocol/messages.json) and the
msgpack codec that validates every message against that one definition (codec.py)."""

from rnnlens.protocol.codec import (
    ProtocolError,
    check_notification,
    decode_message,
    encode_message,
    to_json_description,
)
from rnnlens.protocol.messages import PROTOCOL_VERSION, SCHEMA

__all__ = ["PROTOCOL_VERSION", "SCHEMA", "ProtocolError", "check_notification", "decode_message", "encode_message",
           "to_json_description"]

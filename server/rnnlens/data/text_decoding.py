"""Bytes a user gave as text (a file, a JSON Lines line) to str, refusing binary data and other
encodings with a message naming where they came from."""

from __future__ import annotations

from rnnlens.errors import RnnLensError


def decode_text(data: bytes, where: str) -> str:
    if b"\x00" in data[:65536]:
        raise RnnLensError(f"{where} looks like a binary file (it has NUL bytes), not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RnnLensError(f"{where} is not UTF-8 text ({exc.reason} at byte {exc.start})") from exc

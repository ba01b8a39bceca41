"""Secrets never reach a log file: a formatter that masks them in every line it writes.

The panel stream's token is a password for the panel (it lets a page read the user's text
through the stream). Libraries log it in passing: pygls logs every notification it sends at
INFO (`rnnlens/panelEndpoint` holds the token, twice in the URL and the field), websockets logs
request paths (`?token=…`) at DEBUG. Rather than chase each call, the log handler's formatter
masks, in the finished line (tracebacks included), every registered secret and every
`token=VALUE` query parameter.
"""

from __future__ import annotations

import logging
import os
import re
import threading

MASK = "***"
TOKEN_PARAMETER = re.compile(r"([?&]token=)[^&\s\"'<>]+", re.IGNORECASE)  # a URL query parameter
_lock = threading.Lock()
_secrets: set[str] = set()


def register_secret(value: str) -> None:
    """Mask `value` in every log line from now on (register it before anything can log it)."""
    if value:
        with _lock:
            _secrets.add(value)


def redact(text: str) -> str:
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        text = text.replace(secret, MASK)
    return TOKEN_PARAMETER.sub(rf"\g<1>{MASK}", text)


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def log_to_private_file(path: str, level: int) -> logging.Handler:
    """Send the root logger's records to `path`, created (or narrowed to) owner-only 0600, redacted."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.fchmod(fd, 0o600)  # an existing file keeps its mode on open: narrow it too
    finally:
        os.close(fd)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(RedactingFormatter(logging.BASIC_FORMAT))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    return handler

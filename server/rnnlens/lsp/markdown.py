"""Markdown text for hovers: user text escaped so that it shows as written."""

from __future__ import annotations


def escape(text: str) -> str:
    return "".join("\\" + ch if ch in "\\`*_[]<>#|" else ch for ch in text)

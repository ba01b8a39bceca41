"""The session's client side for in-process LensSession tests: keeps what it was told."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any


class RecordingNotifier:
    def __init__(self) -> None:
        self.messages: list[str] = []
        self.statuses: list[dict[str, Any]] = []

    def show_message(self, text: str, error: bool = True) -> None:
        self.messages.append(text)

    def log(self, text: str) -> None:
        self.messages.append(text)

    def refresh_inlay_hints(self) -> None:
        pass

    def start_progress(self, title: str) -> Any:
        return SimpleNamespace(report=lambda fraction, message: None, end=lambda message: None)

    def status(self, payload: dict[str, Any]) -> None:
        self.statuses.append(payload)

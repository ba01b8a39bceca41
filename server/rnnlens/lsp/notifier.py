"""What the language server's domain state needs from the editor: messages, a log line, progress
bars, an inlay-hint refresh and the status notification (`server._Notifier` sends them over LSP)."""

from __future__ import annotations

from typing import Protocol

from rnnlens.protocol.commands import StatusParams


class ProgressHandle(Protocol):
    """A progress bar in the client: reports, then exactly one end (or the bar stays forever)."""

    def report(self, fraction: float, message: str) -> None: ...
    def end(self, message: str) -> None: ...


class Notifier(Protocol):
    """What the session needs from the LSP side (all safe to call from any thread)."""

    def show_message(self, text: str, error: bool = True) -> None: ...
    def log(self, text: str) -> None: ...
    def refresh_inlay_hints(self) -> None: ...
    def start_progress(self, title: str) -> ProgressHandle: ...
    def status(self, payload: StatusParams) -> None: ...

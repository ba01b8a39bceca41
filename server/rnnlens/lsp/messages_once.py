"""Popups the user sees once: a failure not tied to a document (a broken model setting, met by
every request) until the settings change, and a document's warning (too large, binary) until it
changes or closes. Repeating them on every keystroke would bury the editor in popups."""

from __future__ import annotations

import threading

from rnnlens.lsp.notifier import Notifier


class MessagesOnce:
    def __init__(self, notifier: Notifier):
        self.notifier = notifier
        self._lock = threading.Lock()
        self._failures_shown: set[str] = set()
        self._warned: dict[str, str] = {}  # uri -> the last warning shown for it

    def report(self, text: str) -> None:
        """Show an error popup, unless the same one was shown since the settings last changed."""
        with self._lock:
            if text in self._failures_shown:
                return
            self._failures_shown.add(text)
        self.notifier.show_message(text)

    def warn(self, uri: str, text: str, error: bool = True) -> None:
        with self._lock:
            if self._warned.get(uri) == text:
                return
            self._warned[uri] = text
        self.notifier.show_message(text, error=error)

    def forget(self, uri: str) -> None:
        """`uri` is fine again (or closed): its next warning is shown."""
        with self._lock:
            self._warned.pop(uri, None)

    def settings_applied(self, changed: bool) -> None:
        """Documents are judged again; failures too when the settings really changed (clients also send
        configuration changes of other extensions: those are not a new try)."""
        with self._lock:
            self._warned.clear()
            if changed:
                self._failures_shown.clear()

"""A panel connection's outgoing frames: answers in order, plus slots that keep only the newest.

Answers (one per request) are never dropped. Cursor updates and progress reports are states, not
events: a panel that reads slowly should see the newest one, so a new frame for a pending slot
replaces the old one in place instead of queueing behind it. Used from the event-loop thread only.
"""

from __future__ import annotations

import asyncio
from collections import deque


class Outbox:
    def __init__(self, max_answers: int = 64):
        self.max_answers = max_answers
        self._entries: deque[bytes | str] = deque()  # a frame, or the name of a slot
        self._slots: dict[str, bytes] = {}
        self._answers = 0
        self._changed = asyncio.Event()
        self.closed = False

    def __len__(self) -> int:
        return self._answers + len(self._slots)

    def put(self, frame: bytes) -> None:
        self._entries.append(frame)
        self._answers += 1
        self._changed.set()

    def put_latest(self, slot: str, frame: bytes) -> None:
        """Queue `frame` under `slot`, replacing a pending frame of the same slot."""
        if slot not in self._slots:
            self._entries.append(slot)
        self._slots[slot] = frame
        self._changed.set()

    def drop(self, slot: str) -> None:
        """Forget a pending slot (progress of a request that has just been answered)."""
        self._slots.pop(slot, None)

    def has_room(self) -> bool:
        return self._answers < self.max_answers

    async def wait_for_room(self) -> None:
        """Back-pressure: a panel that does not read its answers stops being read from."""
        while not self.has_room() and not self.closed:
            self._changed.clear()
            await self._changed.wait()

    async def next_frame(self) -> bytes | None:
        """The next frame to send; None once closed."""
        while True:
            while self._entries:
                entry = self._entries.popleft()
                if isinstance(entry, bytes):
                    self._answers -= 1
                    self._changed.set()  # wakes wait_for_room
                    return entry
                frame = self._slots.pop(entry, None)
                if frame is not None:
                    return frame
            if self.closed:
                return None
            self._changed.clear()
            await self._changed.wait()

    def close(self) -> None:
        self.closed = True
        self._changed.set()

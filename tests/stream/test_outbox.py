"""The outbox keeps every answer in order and only the newest frame of a state slot."""

from __future__ import annotations

import asyncio

from rnnlens.stream.outbox import Outbox


async def _drain(box: Outbox) -> list[bytes]:
    box.close()
    frames = []
    while (frame := await box.next_frame()) is not None:
        frames.append(frame)
    return frames


async def test_answers_keep_order_and_slots_keep_the_newest_in_place():
    box = Outbox()
    box.put(b"a1")
    box.put_latest("cursor", b"c1")
    box.put(b"a2")
    box.put_latest("cursor", b"c2")
    box.put_latest("progress:7", b"p1")
    box.put_latest("cursor", b"c3")
    assert await _drain(box) == [b"a1", b"c3", b"a2", b"p1"]


async def test_dropped_slot_is_not_sent():
    box = Outbox()
    box.put_latest("progress:1", b"p")
    box.drop("progress:1")
    box.put(b"answer")
    assert await _drain(box) == [b"answer"]


async def test_room_is_bounded_by_unsent_answers_and_freed_by_sending():
    box = Outbox(max_answers=2)
    box.put(b"1")
    box.put(b"2")
    assert not box.has_room()
    waiter = asyncio.create_task(box.wait_for_room())
    await asyncio.sleep(0.01)
    assert not waiter.done()
    assert await box.next_frame() == b"1"
    await asyncio.wait_for(waiter, 1)
    for _ in range(100):
        box.put_latest("cursor", b"c")  # states never take room
    assert box.has_room()

"""Long work, cancellation, disconnects and slow panels: the server stays responsive throughout."""

from __future__ import annotations

import asyncio

from rnnlens.protocol import decode_message, encode_message
from rnnlens.stream import StreamServer
from stream_helpers import open_panel, request
from websockets.asyncio.client import connect

SLOW = {"type": "cocluster_request", "model": "tiny-lstm-lm", "layer": None, "state": None, "k": 3, "n_words": 12}


async def test_long_work_streams_progress_and_can_be_cancelled(stream: StreamServer, slow_handler):
    ws, _ = await open_panel(stream)
    await ws.send(encode_message({**SLOW, "id": 1}))
    progress = decode_message(await ws.recv())
    assert progress["type"] == "progress" and progress["id"] == 1 and 0 <= progress["fraction"] <= 1
    assert (await request(ws, {"type": "cancel", "id": 2, "target": 1}))["type"] == "ack"
    while (answer := decode_message(await ws.recv()))["type"] == "progress":
        assert answer["id"] == 1
    assert (answer["type"], answer["id"], answer["code"]) == ("error", 1, "cancelled")
    assert slow_handler.cancelled_seen.is_set()
    await ws.close()


async def test_no_progress_arrives_after_the_answer(stream: StreamServer, slow_handler):
    ws, _ = await open_panel(stream)
    await ws.send(encode_message({**SLOW, "id": 3}))
    await asyncio.get_running_loop().run_in_executor(None, slow_handler.started.wait)
    await asyncio.sleep(0.05)
    slow_handler.release.set()
    while (answer := decode_message(await ws.recv()))["type"] == "progress":
        pass
    assert answer["type"] == "error" and answer["id"] == 3  # view None is not a valid answer: reported, not sent
    assert (await request(ws, {"type": "ping", "id": 4, "payload": "x"}))["type"] == "pong"  # nothing left over
    await ws.close()


async def test_client_disconnecting_mid_stream_stops_its_work_and_others_carry_on(stream: StreamServer,
                                                                                  slow_handler):
    leaving, _ = await open_panel(stream)
    staying, _ = await open_panel(stream)
    await leaving.send(encode_message({**SLOW, "id": 1}))
    assert decode_message(await leaving.recv())["type"] == "progress"
    leaving.transport.abort()  # gone without a closing handshake, as when a webview is torn down
    seen = await asyncio.get_running_loop().run_in_executor(None, slow_handler.cancelled_seen.wait, 10)
    assert seen, "the work of a closed connection kept running"
    assert (await request(staying, {"type": "ping", "id": 2, "payload": "ok"}))["payload"] == "ok"
    await staying.close()
    for _ in range(50):
        if not stream.connections:
            break
        await asyncio.sleep(0.02)
    assert not stream.connections


async def test_several_panels_all_receive_the_cursor(stream: StreamServer):
    panels = [(await open_panel(stream))[0] for _ in range(4)]
    cursor = {"uri": "file:///a.txt", "line": 0, "character": 1, "offset": 1, "token": "love",
              "sentence": "i love it", "sentence_start": 0}
    stream.broadcast_cursor(cursor)
    for ws in panels:
        assert decode_message(await ws.recv())["cursor"] == cursor
        await ws.close()


async def test_a_slow_panel_gets_the_newest_cursor_not_a_growing_queue(stream: StreamServer):
    # max_queue=1 makes the client library stop reading the socket, like a panel that is busy drawing.
    slow = await connect(stream.url, max_queue=1)
    assert decode_message(await slow.recv())["type"] == "hello"
    brisk, _ = await open_panel(stream)
    sentence = "word " * 4000  # 20 kB a frame, so the socket buffers fill quickly
    updates = 1500
    for i in range(updates):
        stream.broadcast_cursor({"uri": "file:///a.txt", "line": i, "character": 0, "offset": i, "token": None,
                                 "sentence": sentence, "sentence_start": 0})
        if i % 100 == 0:  # the loop stays free: another panel is answered meanwhile
            assert (await request(brisk, {"type": "ping", "id": i, "payload": str(i)}))["payload"] == str(i)
            await asyncio.sleep(0)
    await asyncio.sleep(0.2)
    lines = []
    while True:
        try:
            message = decode_message(await asyncio.wait_for(slow.recv(), 1.0))
        except TimeoutError:
            break
        lines.append(message["cursor"]["line"])
    await slow.close()
    await brisk.close()
    print(f"slow panel received {len(lines)} of {updates} cursor updates")
    assert lines[-1] == updates - 1, "the newest cursor must arrive"
    assert lines == sorted(lines) and len(lines) < updates / 2, f"{len(lines)} of {updates} updates were queued"

"""Load on loopback: 20 panels x 200 requests each at once; every answer arrives, to the right panel,
for the right request. Bounded in time so a stall fails instead of hanging."""

from __future__ import annotations

import asyncio

from rnnlens.protocol import decode_message, encode_message
from rnnlens.stream import StreamServer
from stream_helpers import open_panel

CLIENTS = 20
REQUESTS = 200
WINDOW = 16  # requests in flight per client
WORDS = ["the", "food", "is", "not", "good", "staff", "was", "very", "helpful", "movie"]


def _request(client: int, i: int) -> dict:
    if i % 10 == 0:  # one in ten is a real analysis, with a text only this request could ask for
        text = " ".join(WORDS[(client + i + j) % len(WORDS)] for j in range(3 + client % 4))
        return {"type": "glyph_request", "id": i, "model": "tiny-gru-lm", "text": text, "layer": 1,
                "state": "h", "k": 2}
    return {"type": "ping", "id": i, "payload": f"client {client} request {i}"}


def _check(client: int, answer: dict) -> None:
    sent = _request(client, answer["id"])
    if sent["type"] == "ping":
        assert answer == {"type": "pong", "id": sent["id"], "payload": sent["payload"]}
    else:
        assert answer["type"] == "glyph_view", answer
        assert " ".join(t["text"] for t in answer["glyphs"]["tokens"]) == sent["text"]


async def _panel(stream: StreamServer, client: int) -> int:
    ws, _ = await open_panel(stream)
    next_id, pending, answered = 0, set(), 0
    while answered < REQUESTS:
        while next_id < REQUESTS and len(pending) < WINDOW:
            await ws.send(encode_message(_request(client, next_id)))
            pending.add(next_id)
            next_id += 1
        answer = decode_message(await ws.recv(), direction="server")
        if answer["type"] == "progress":
            continue
        assert answer["id"] in pending, f"client {client} got an answer it never asked for: {answer['id']}"
        pending.remove(answer["id"])
        _check(client, answer)
        answered += 1
    await ws.close()
    return answered


async def test_twenty_panels_two_hundred_requests_each(stream: StreamServer):
    counts = await asyncio.wait_for(asyncio.gather(*(_panel(stream, c) for c in range(CLIENTS))), timeout=180)
    assert counts == [REQUESTS] * CLIENTS

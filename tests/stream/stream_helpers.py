"""Client helpers for the stream tests: a request/answer round trip, a panel that reads its hello,
and a raw HTTP GET that no library normalises."""

from __future__ import annotations

import asyncio
from typing import Any

from rnnlens.protocol import decode_message, encode_message
from rnnlens.stream import StreamServer
from websockets.asyncio.client import ClientConnection, connect


async def request(ws: ClientConnection, message: dict[str, Any], skip_progress: bool = True) -> dict[str, Any]:
    """Send one request and return its answer (progress and cursor pushes skipped)."""
    await ws.send(encode_message(message))
    while True:
        answer = decode_message(await ws.recv(), direction="server")
        if skip_progress and answer["type"] in ("progress", "cursor"):
            continue
        return answer


async def open_panel(server: StreamServer, **kwargs: Any) -> tuple[ClientConnection, dict[str, Any]]:
    """Connect like a panel and read the hello."""
    ws = await connect(server.url, **kwargs)
    hello = decode_message(await ws.recv(), direction="server")
    assert hello["type"] == "hello"
    return ws, hello


async def raw_http(port: int, path: str, host: str | None = None) -> tuple[int, bytes]:
    """A hand-written request, so no client library normalises the path."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host or f'127.0.0.1:{port}'}\r\n\r\n".encode())
    await writer.drain()
    data = await reader.read()
    writer.close()
    status = int(data.split(b" ", 2)[1])
    return status, data.split(b"\r\n\r\n", 1)[1]

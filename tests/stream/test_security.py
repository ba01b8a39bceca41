"""A local port must not be a door: token, Origin, Host, and the HTTP side's folder."""

from __future__ import annotations

import pytest
from rnnlens.protocol import decode_message
from rnnlens.stream import StreamServer
from stream_helpers import raw_http
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosedError, InvalidStatus


@pytest.mark.parametrize("query", ["", "?token=", "?token=wrong", "?tok=RIGHT"])
async def test_missing_or_wrong_token_closes_1008_before_any_data(stream: StreamServer, query: str):
    url = f"ws://127.0.0.1:{stream.port}/ws{query.replace('RIGHT', stream.token)}"
    async with connect(url) as ws:
        with pytest.raises(ConnectionClosedError) as closed:
            await ws.recv()  # a hello (or any data) would be returned here instead of raising
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008


async def test_a_token_prefix_is_not_enough(stream: StreamServer):
    async with connect(f"ws://127.0.0.1:{stream.port}/ws?token={stream.token[:-1]}") as ws:
        with pytest.raises(ConnectionClosedError) as closed:
            await ws.recv()
    assert closed.value.rcvd.code == 1008


@pytest.mark.parametrize("origin", ["https://evil.example", "http://127.0.0.1:1", "null", "file://"])
async def test_foreign_origin_is_refused_at_the_handshake(stream: StreamServer, origin: str):
    with pytest.raises(InvalidStatus) as refused:
        await connect(stream.url, origin=origin)
    assert refused.value.response.status_code == 403


@pytest.mark.parametrize("origin", ["vscode-webview://1kq3b9s2", "own-page", None])
async def test_webview_own_page_and_non_browser_clients_are_admitted(stream: StreamServer, origin):
    if origin == "own-page":
        origin = f"http://127.0.0.1:{stream.port}"
    async with connect(stream.url, origin=origin) as ws:
        assert decode_message(await ws.recv())["type"] == "hello"


async def test_rebound_host_name_is_refused(stream: StreamServer):
    status, _ = await raw_http(stream.port, "/ws", host=f"attacker.example:{stream.port}")
    assert status == 403


async def test_stream_server_without_page_serves_no_files(stream: StreamServer):
    status, body = await raw_http(stream.port, "/index.html")
    assert status == 404 and b"no panel page" in body

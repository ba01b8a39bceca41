"""The stream inside a real `rnnlens lsp` process: announced by rnnlens/panelEndpoint, editor cursor
notifications reach the panels, and a panel's reveal reaches the editor as rnnlens/revealRange."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import make_test_lsp_client
from rnnlens.protocol import PROTOCOL_VERSION, check_notification, decode_message
from stream_helpers import request
from websockets.asyncio.client import connect


def _plain(value: Any) -> Any:
    return {k: _plain(v) for k, v in value._asdict().items()} if hasattr(value, "_asdict") else value


def recording_client() -> LanguageClient:
    client = make_test_lsp_client()
    client.endpoints = []  # type: ignore[attr-defined]
    client.reveals = []  # type: ignore[attr-defined]

    @client.feature("rnnlens/panelEndpoint")
    def endpoint(client_: LanguageClient, params: Any) -> None:
        client.endpoints.append(_plain(params))  # type: ignore[attr-defined]

    @client.feature("rnnlens/revealRange")
    def reveal(client_: LanguageClient, params: Any) -> None:
        client.reveals.append(_plain(params))  # type: ignore[attr-defined]

    return client


CONFIG = ClientServerConfig(server_command=[sys.executable, "-m", "rnnlens", "lsp"], client_factory=recording_client,
                            server_env={**os.environ, "RNNLENS_CACHE": os.environ.get("RNNLENS_CACHE", "/tmp")})


@pytest_lsp.fixture(config=CONFIG, scope="module")
async def client(lsp_client: LanguageClient, tiny_models: Path):
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=types.ClientCapabilities(), initialization_options={
            "model": "tiny-gru-lm", "modelPaths": [str(tiny_models)], "clusters": 3}))
    yield lsp_client
    await lsp_client.shutdown_session()


async def _endpoint(client: LanguageClient) -> dict[str, Any]:
    for _ in range(600):
        if client.endpoints:  # type: ignore[attr-defined]
            return client.endpoints[0]  # type: ignore[attr-defined]
        await asyncio.sleep(0.05)
    raise AssertionError("no rnnlens/panelEndpoint notification")


async def test_endpoint_is_announced_with_url_token_and_version(client: LanguageClient):
    endpoint = check_notification("rnnlens/panelEndpoint", await _endpoint(client))
    assert endpoint["url"] == f"ws://127.0.0.1:{endpoint['port']}/ws?token={endpoint['token']}"
    assert endpoint["protocol"] == PROTOCOL_VERSION and len(endpoint["token"]) >= 40


async def test_panel_sees_server_settings_and_editor_cursor_and_reveals_in_the_editor(client: LanguageClient):
    endpoint = await _endpoint(client)
    async with connect(endpoint["url"], origin="vscode-webview://panel-id") as ws:
        hello = decode_message(await ws.recv())
        assert hello["settings"]["model"] == "tiny-gru-lm" and hello["settings"]["clusters"] == 3
        cursor = {"uri": "file:///r.txt", "line": 0, "character": 4, "offset": 4, "token": "food",
                  "sentence": "the food was good", "sentence_start": 0}
        client.protocol.notify("rnnlens/cursor", cursor)
        assert decode_message(await asyncio.wait_for(ws.recv(), 30)) == {"type": "cursor", "cursor": cursor}
        answer = await request(ws, {"type": "reveal", "id": 1, "uri": "file:///r.txt", "start": 4, "end": 8})
        assert answer == {"type": "ack", "id": 1}
    for _ in range(200):
        if client.reveals:  # type: ignore[attr-defined]
            break
        await asyncio.sleep(0.05)
    assert client.reveals == [{"uri": "file:///r.txt", "start": 4, "end": 8}]  # type: ignore[attr-defined]

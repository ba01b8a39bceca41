"""Every request gets a response, whatever its params: a JSON-RPC error -32602 with a message
naming the field, or a valid result; the server keeps serving afterwards. Sent as raw JSON-RPC,
since a typed client cannot even build these requests."""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import pytest_asyncio

from tests.lsp.raw_client import RawServer

URI = "file:///tmp/rnnlens-raw/doc.txt"
TEXT = "the food was good .\nthe staff was helpful .\n"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def server(tiny_models: Path) -> AsyncIterator[RawServer]:
    raw = await RawServer.start()
    answer = await raw.initialize({"model": "tiny-gru-lm", "modelPaths": [str(tiny_models)], "clusters": 3})
    assert "result" in answer
    raw.notify("textDocument/didOpen", {"textDocument": {"uri": URI, "languageId": "plaintext", "version": 1,
                                                         "text": TEXT}})
    yield raw
    assert await raw.stop() == 0


def hover_at(position: Any) -> dict[str, Any]:
    return {"textDocument": {"uri": URI}, "position": position}


def inlay_in(start: Any, end: Any) -> dict[str, Any]:
    return {"textDocument": {"uri": URI}, "range": {"start": start, "end": end}}


BAD_REQUESTS = [
    ("textDocument/hover", hover_at({"line": -1, "character": 0}), "line"),
    ("textDocument/hover", hover_at({"line": 0, "character": -3}), "character"),
    ("textDocument/hover", hover_at({"line": 2**31, "character": 0}), "line"),
    ("textDocument/hover", hover_at({"line": 0, "character": 2**40}), "character"),
    ("textDocument/hover", hover_at({"line": "x", "character": 0}), "line"),
    ("textDocument/hover", hover_at(None), "position"),
    ("textDocument/hover", hover_at({"line": None, "character": None}), "line"),
    ("textDocument/hover", {"textDocument": None, "position": {"line": 0, "character": 0}}, "textDocument"),
    ("textDocument/inlayHint", inlay_in({"line": -2, "character": 0}, {"line": 1, "character": 0}), "line"),
    ("textDocument/inlayHint", inlay_in({"line": 0, "character": 0}, "end"), "end"),
    ("inlayHint/resolve", {"position": {"line": -1, "character": 0}, "label": "x"}, "line"),
    ("workspace/executeCommand", {"command": "rnnlens.server.explainUnit", "arguments": 5}, "arguments"),
]


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize(("method", "params", "field"), BAD_REQUESTS, ids=[f"{m}-{i}" for i, (m, _, _) in
                                                                            enumerate(BAD_REQUESTS)])
async def test_bad_params_get_invalid_params_naming_the_field(server: RawServer, method: str, params: Any,
                                                              field: str):
    answer = await server.request(method, params, timeout=30)
    assert answer["error"]["code"] == -32602, answer
    message = answer["error"]["message"]
    assert method in message and field in message, message


@pytest.mark.asyncio(loop_scope="module")
async def test_an_inverted_inlay_range_is_an_empty_result(server: RawServer):
    answer = await server.request("textDocument/inlayHint",
                                  inlay_in({"line": 1, "character": 5}, {"line": 0, "character": 0}))
    assert answer.get("result") == [], answer


@pytest.mark.asyncio(loop_scope="module")
async def test_the_server_keeps_serving_after_bad_requests(server: RawServer):
    answer = await server.request("textDocument/hover", hover_at({"line": 7, "character": 0}))
    assert "error" not in answer and answer["result"] is None  # past the end: no hover, but an answer


@pytest.mark.asyncio(loop_scope="module")
async def test_a_malformed_notification_is_dropped_and_the_server_goes_on(server: RawServer):
    server.notify("textDocument/didChange", {"textDocument": {"uri": URI, "version": 2}, "contentChanges": [
        {"range": {"start": {"line": -1, "character": 0}, "end": {"line": 0, "character": 3}}, "text": "x"}]})
    server.notify("textDocument/didOpen", {"textDocument": None})
    answer = await server.request("textDocument/hover", hover_at({"line": 9, "character": 0}))
    assert "error" not in answer and answer["result"] is None


def test_an_internal_error_reaches_the_client_as_a_sentence_without_python_text():
    from pygls.exceptions import JsonRpcInternalError
    from rnnlens.lsp.server import build_server

    server = build_server()
    written: list[bytes] = []
    server.protocol.set_writer(SimpleNamespace(write=written.append, close=lambda: None))
    try:
        {}["missing"]  # noqa: B018 - a bug's exception, with its traceback
    except KeyError:
        error = JsonRpcInternalError.of(sys.exc_info()).to_response_error()
    server.protocol._send_response(7, error=error)
    answer = json.loads(written[-1].split(b"\r\n\r\n", 1)[1])
    assert answer["id"] == 7 and answer["error"]["code"] == -32603
    assert "KeyError" not in json.dumps(answer) and "traceback" not in json.dumps(answer)
    assert "log" in answer["error"]["message"]


@pytest.mark.asyncio(loop_scope="module")
async def test_a_body_that_is_not_json_gets_a_parse_error(server: RawServer):
    before = len(server.received)
    server.send_body(b'{"jsonrpc": "2.0", "id": 99, "method": "textDocument/hover", "params": {')
    server.send_body(b"\xff\xfe not utf-8")
    answer = await server.request("textDocument/hover", hover_at({"line": 9, "character": 0}))
    assert "error" not in answer
    errors = [m["error"] for m in server.received[before:] if m.get("id") is None and "error" in m]
    assert [e["code"] for e in errors] == [-32700, -32700], server.received[before:]

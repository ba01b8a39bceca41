"""Bad input never crashes, hangs or answers for a stale version; a client without
`workspace.inlayHint.refreshSupport` never gets refresh requests; shutdown is clean."""

from __future__ import annotations

import asyncio
import random
import time
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from tests.lsp.conftest import (
    CONFIG,
    evaluate_and_wait,
    hover,
    initialize,
    inlay,
    open_document,
    wait_until,
)
from tests.lsp.edits import change


@pytest_lsp.fixture(config=CONFIG, scope="module")
async def client(lsp_client: LanguageClient, tiny_models: Path, workspace: Path):
    await initialize(lsp_client, workspace, {"model": "tiny-rnn-lm", "modelPaths": [str(tiny_models)], "clusters": 3,
                                             "inlayHints": {"density": "all"}}, refresh=False)
    await evaluate_and_wait(lsp_client)
    yield lsp_client
    await lsp_client.shutdown_session()  # a no-op after the shutdown test


def errors(client: LanguageClient) -> list[str]:
    return [m.message for m in client.messages if m.type == types.MessageType.Error]


async def test_no_refresh_requests_without_client_support(client: LanguageClient):
    uri = "file:///tmp/rnnlens-bad/a.txt"
    open_document(client, uri, "the food was good .\n")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"rnnlens": {"layer": 1}}))
    for _ in range(200):
        result = await hover(client, uri, 0, 1)
        if result is not None and "`layer1.h`" in result.contents.value:
            break
        await asyncio.sleep(0.05)
    assert result is not None and "`layer1.h`" in result.contents.value
    assert client.inlay_refreshes == 0


async def test_empty_document(client: LanguageClient):
    uri = "file:///tmp/rnnlens-bad/empty.txt"
    open_document(client, uri, "")
    assert await hover(client, uri, 0, 0) is None
    assert await inlay(client, uri) == []


async def test_binary_file_is_skipped_with_a_note(client: LanguageClient):
    uri = "file:///tmp/rnnlens-bad/blob.txt"
    rng = random.Random(0)
    open_document(client, uri, bytes(rng.randrange(256) for _ in range(5000)).decode("latin-1"))
    assert await inlay(client, uri) == []
    assert await hover(client, uri, 0, 10) is None
    await wait_until(lambda: any("binary" in m.message for m in client.messages))


async def test_twenty_megabyte_file_is_refused_quickly(client: LanguageClient):
    uri = "file:///tmp/rnnlens-bad/huge.txt"
    open_document(client, uri, "the food was good . " * 1_000_000)
    started = time.monotonic()
    assert await inlay(client, uri, 0, 50) == []
    assert time.monotonic() - started < 10
    await wait_until(lambda: any("huge.txt" in m and "maxDocumentSize" in m for m in errors(client)))
    client.text_document_did_close(types.DidCloseTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))


async def test_one_megabyte_single_line(client: LanguageClient):
    uri = "file:///tmp/rnnlens-bad/line.txt"
    text = "the food was good and the staff was helpful " * 23_000  # ~1 MB, no newline
    open_document(client, uri, text)
    hints = await inlay(client, uri, 0, 1)
    assert 0 < len(hints) <= 5000  # capped per request
    assert (await hover(client, uri, 0, 5)) is not None
    far = await asyncio.wait_for(hover(client, uri, 0, len(text) - 3), 120)
    assert far is not None and "**helpful**" in far.contents.value


async def test_positions_past_the_end(client: LanguageClient):
    uri = "file:///tmp/rnnlens-bad/short.txt"
    open_document(client, uri, "good food\n")
    assert await hover(client, uri, 5, 0) is None
    assert await hover(client, uri, 0, 1000) is None
    assert await inlay(client, uri, 50, 60) == []


async def test_close_while_a_request_runs(client: LanguageClient):
    uri = "file:///tmp/rnnlens-bad/closing.txt"
    open_document(client, uri, "the staff was helpful . " * 40_000)
    request = asyncio.ensure_future(hover(client, uri, 0, 24 * 40_000 - 5))
    await asyncio.sleep(0.2)
    client.text_document_did_close(types.DidCloseTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    try:
        result = await asyncio.wait_for(request, 120)
        assert result is None or "**helpful**" in result.contents.value
    except JsonRpcException as exc:  # ContentModified: the document went away mid-way
        assert "changed" in str(exc)
    assert await hover(client, "file:///tmp/rnnlens-bad/short.txt", 0, 1) is not None


async def test_hundreds_of_edits_per_second_give_no_stale_answers(client: LanguageClient):
    uri = "file:///tmp/rnnlens-bad/typing.txt"
    text = "the food was good .\n" * 50
    open_document(client, uri, text)
    await inlay(client, uri)
    requests: list[tuple[int, asyncio.Future]] = []
    started = time.monotonic()
    for version in range(2, 402):
        offset = len(text) // 2 + (version % 7)
        text, event = change(text, offset, offset, "a " if version % 2 else "the ")
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version), content_changes=[event]))
        if version % 20 == 0:  # sent now, between the changes (not when the loop next runs)
            params = types.InlayHintParams(text_document=types.TextDocumentIdentifier(uri=uri), range=types.Range(
                types.Position(0, 0), types.Position(10_000, 0)))
            requests.append((version, asyncio.wrap_future(
                client.protocol.send_request(types.TEXT_DOCUMENT_INLAY_HINT, params))))
        if version % 50 == 0:
            await asyncio.sleep(0)
    sent_in = time.monotonic() - started
    for version, future in requests:
        try:
            hints = await asyncio.wait_for(future, 60) or []
        except JsonRpcException as exc:
            assert "changed" in str(exc)
            continue
        assert all(int(h.data.split(":")[1]) == version for h in hints), "an answer belongs to another version"
    final = await inlay(client, uri)
    assert final and all(int(h.data.split(":")[1]) == 401 for h in final)
    assert sent_in < 5  # edits are never held up by analysis work


async def test_shutdown_and_exit_cleanly(client: LanguageClient):
    await client.shutdown_session()
    assert client._server is not None and client._server.returncode == 0
    client.capabilities = None  # tells the fixture's shutdown_session that it already happened

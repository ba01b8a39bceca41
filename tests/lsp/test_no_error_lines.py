"""Normal events of an editor session write no error line: VS Code shows every line the server
writes to stderr as `[error]`. A cancel for a request already answered, an edit while requests
run (their answers go stale, some of them cancelled too), and requests arriving after `shutdown`
are all normal; a real bug still logs at error level (tests/lsp/test_units.py)."""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
from pathlib import Path

import pytest
from rnnlens.lsp.incremental import Stale

from tests.lsp.raw_client import RawServer

URI = "file:///tmp/rnnlens-quiet/doc.txt"
LINE = "the food was good and the staff was helpful .\n"
LINES = 400
INVALID_REQUEST = -32600


def edit(version: int) -> dict:
    return {"textDocument": {"uri": URI, "version": version},
            "contentChanges": [{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
                                "text": "good "}]}


def whole_document() -> dict:
    return {"textDocument": {"uri": URI}, "range": {"start": {"line": 0, "character": 0},
                                                    "end": {"line": LINES, "character": 0}}}


@pytest.mark.asyncio
async def test_cancel_after_answer_edits_during_requests_and_shutdown_write_nothing_to_stderr(tiny_models: Path):
    raw = await RawServer.start()  # no --log-file: warnings and errors would go to stderr
    await raw.initialize({"model": "tiny-gru-lm", "modelPaths": [str(tiny_models)], "clusters": 3})
    raw.notify("textDocument/didOpen", {"textDocument": {"uri": URI, "languageId": "plaintext", "version": 1,
                                                         "text": LINE * LINES}})
    hover = {"textDocument": {"uri": URI}, "position": {"line": 0, "character": 5}}

    answered = await raw.request("textDocument/hover", hover)
    raw.notify("$/cancelRequest", {"id": answered["id"]})  # the client's cancel crossed our answer

    version = 1
    for round_ in range(6):  # requests overtaken by edits; half of them also cancelled by the client
        first = next(raw._ids)
        raw.send({"id": first, "method": "textDocument/inlayHint", "params": whole_document()})
        raw.send({"id": first + 1000, "method": "textDocument/hover", "params": hover})
        version += 1
        raw.notify("textDocument/didChange", edit(version))
        if round_ % 2:
            raw.notify("$/cancelRequest", {"id": first})
            raw.notify("$/cancelRequest", {"id": first + 1000})
        await asyncio.sleep(0.05)
    assert "result" in await raw.request("textDocument/inlayHint", whole_document())

    assert (await raw.request("shutdown", None))["result"] is None
    late = await raw.request("textDocument/hover", hover, timeout=10)  # VS Code may still ask while it stops
    assert late["error"]["code"] == INVALID_REQUEST and "shutting down" in late["error"]["message"]
    raw.notify("$/cancelRequest", {"id": late["id"]})
    raw.notify("exit", None)
    await asyncio.wait_for(raw.process.wait(), 10)
    await asyncio.sleep(0.1)  # the last stderr bytes

    assert raw.process.returncode == 0
    assert raw.stderr.decode(errors="replace") == ""


@pytest.mark.asyncio
async def test_work_whose_request_was_cancelled_leaves_no_unretrieved_exception(caplog: pytest.LogCaptureFixture):
    from rnnlens.lsp.server import RnnLensServer

    server = RnnLensServer()
    release = threading.Event()

    def work(cancelled) -> None:
        release.wait(5)
        raise Stale()  # the document changed meanwhile

    request = asyncio.ensure_future(server.in_worker(work))
    await asyncio.sleep(0.05)
    request.cancel()  # the client cancelled the request
    with pytest.raises(asyncio.CancelledError):
        await request
    release.set()
    await asyncio.sleep(0.2)  # the worker ends and its future's callbacks run
    caplog.set_level(logging.DEBUG, logger="asyncio")
    gc.collect()  # an unretrieved exception is logged when its future is collected

    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    server.workers.shutdown(wait=True)

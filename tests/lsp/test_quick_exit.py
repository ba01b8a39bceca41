"""After `shutdown` and `exit` the server process ends at once: VS Code's client kills a server
still alive 2 s after `exit` and logs "Server process exited with signal SIGKILL" as an error.
A warm server (model loaded, a hover answered, the panel stream up) used to take about 2.7 s,
most of it the interpreter tearing torch down and joining worker threads."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from tests.lsp.raw_client import RawServer

URI = "file:///tmp/rnnlens-exit/doc.txt"
TEXT = "the food was good .\nthe staff was helpful .\n"
EXIT_WITHIN_S = 1.0  # the client's own limit is 2 s; this leaves room for a loaded machine


async def warm_server(tiny_models: Path, log_file: Path) -> RawServer:
    raw = await RawServer.start(["--log-file", str(log_file)])
    await raw.initialize({"model": "tiny-gru-lm", "modelPaths": [str(tiny_models)], "clusters": 3})
    raw.notify("textDocument/didOpen", {"textDocument": {"uri": URI, "languageId": "plaintext", "version": 1,
                                                         "text": TEXT}})
    hover = await raw.request("textDocument/hover", {"textDocument": {"uri": URI},
                                                     "position": {"line": 0, "character": 5}})
    assert "food" in hover["result"]["contents"]["value"]
    return raw


async def seconds_to_end(raw: RawServer) -> float:
    started = time.monotonic()
    raw.notify("exit", None)
    await raw.process.wait()
    return time.monotonic() - started


@pytest.mark.asyncio
async def test_a_warm_server_ends_within_a_second_of_exit_and_flushes_its_log(tiny_models: Path, tmp_path: Path):
    log_file = tmp_path / "server.log"
    raw = await warm_server(tiny_models, log_file)
    assert (await raw.request("shutdown", None))["result"] is None

    took = await seconds_to_end(raw)

    assert took < EXIT_WITHIN_S, f"the server took {took:.2f}s to end after exit"
    assert raw.process.returncode == 0
    assert log_file.read_text().rstrip().endswith("language server exits (code 0)")  # flushed before the end


@pytest.mark.asyncio
async def test_exit_while_a_request_runs_ends_at_once_with_code_1_without_shutdown(tiny_models: Path,
                                                                                    tmp_path: Path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("the food was good and the staff was helpful .\n" * 20_000)
    raw = await warm_server(tiny_models, tmp_path / "server.log")
    raw.send({"id": 99, "method": "workspace/executeCommand",  # a long command, still running at exit
              "params": {"command": "rnnlens.server.evaluate", "arguments": [{"corpus": str(corpus)}]}})
    await asyncio.sleep(0.5)

    took = await seconds_to_end(raw)

    assert took < EXIT_WITHIN_S, f"the server took {took:.2f}s to end after exit"
    assert raw.process.returncode == 1  # LSP: exit without shutdown

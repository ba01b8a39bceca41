"""`rnnlens lsp --log-file F --verbose`: the panel token never reaches the log (pygls logs the
endpoint notification, websockets the request path), and the file is private (0600)."""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from tests.lsp.raw_client import RawServer


async def _wait_for(predicate, timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("existing", [False, True], ids=["new file", "existing 0644 file"])
async def test_the_panel_token_is_never_logged_and_the_log_is_private(tmp_path: Path, tiny_models: Path,
                                                                      existing: bool):
    log_file = tmp_path / "server.log"
    if existing:
        log_file.write_text("an older session\n")
        log_file.chmod(0o644)
    raw = await RawServer.start(["--log-file", str(log_file), "--verbose"])
    await raw.initialize({"model": "tiny-gru-lm", "modelPaths": [str(tiny_models)]})
    await _wait_for(lambda: raw.notifications("rnnlens/panelEndpoint"))
    endpoint = raw.notifications("rnnlens/panelEndpoint")[0]
    token = endpoint["token"]
    assert len(token) >= 20 and token in endpoint["url"]
    async with connect(endpoint["url"]) as websocket:  # websockets logs the request path at DEBUG
        await asyncio.wait_for(websocket.recv(), 30)
    await raw.request("textDocument/hover", {"textDocument": {"uri": "file:///x.txt"},
                                             "position": {"line": 0, "character": 0}})
    assert await raw.stop() == 0
    log = log_file.read_text(encoding="utf-8")
    assert "rnnlens/panelEndpoint" in log  # the notification was logged...
    assert token not in log  # ...but not its token
    assert "?token=" in log and "?token=" not in log.replace("?token=***", "")
    assert stat.S_IMODE(os.stat(log_file).st_mode) == 0o600

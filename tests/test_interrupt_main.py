"""A declared entry point that calls `_thread.interrupt_main()` from a worker thread cannot stop
`rnnlens lsp` or `rnnlens serve` (real processes); Ctrl-C still stops `serve` cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from rnnlens.protocol import decode_message
from websockets.asyncio.client import connect

from tests.lsp.raw_client import RawServer
from tests.stream.stream_helpers import raw_http

URI = "file:///tmp/rnnlens-interrupt/doc.txt"
TEXT = "the food was good .\n"


@pytest.fixture()
def interrupting_entry_point(tmp_path: Path) -> str:
    """load() starts a thread that interrupts the main thread a moment later, then fails."""
    path = tmp_path / "interrupter.py"
    path.write_text("import _thread, threading, pathlib\n"
                    "def interrupt():\n"
                    "    _thread.interrupt_main()\n"
                    "    pathlib.Path(__file__).with_suffix('.interrupted').write_text('x')\n"
                    "def load():\n"
                    "    threading.Timer(0.1, interrupt).start()\n"
                    "    pathlib.Path(__file__).with_suffix('.ran').write_text('x')\n"
                    "    raise ValueError('not a model')\n")
    return f"{path}:load"


async def interrupted(entry_point: str) -> None:
    """Once the entry point's thread has called interrupt_main, and the main thread had time to react."""
    marker = Path(entry_point.rsplit(":", 1)[0]).with_suffix(".interrupted")
    for _ in range(600):
        if marker.exists():
            await asyncio.sleep(0.5)
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the entry point's thread never called interrupt_main")


async def test_the_language_server_survives_interrupt_main(tiny_models: Path, interrupting_entry_point: str):
    raw = await RawServer.start()
    try:
        await raw.initialize({"model": "tiny-gru-lm", "modelPaths": [str(tiny_models), interrupting_entry_point]})
        listing = await raw.request("workspace/executeCommand", {"command": "rnnlens.server.selectModel",
                                                                  "arguments": []})
        rows = {row["name"]: row for row in listing["result"]["models"]}
        assert "not a model" in rows[interrupting_entry_point]["error"]
        assert Path(interrupting_entry_point.rsplit(":", 1)[0]).with_suffix(".ran").exists()
        await interrupted(interrupting_entry_point)
        assert raw.process.returncode is None, bytes(raw.stderr).decode(errors="replace")
        raw.notify("textDocument/didOpen", {"textDocument": {"uri": URI, "languageId": "plaintext", "version": 1,
                                                             "text": TEXT}})
        answer = await raw.request("textDocument/hover", {"textDocument": {"uri": URI},
                                                          "position": {"line": 0, "character": 5}})
        assert "food" in answer["result"]["contents"]["value"]
    finally:
        assert await raw.stop() == 0


def test_serve_survives_interrupt_main_and_still_stops_on_ctrl_c(tiny_models: Path, tmp_path: Path,
                                                                 interrupting_entry_point: str):
    env = {**os.environ, "RNNLENS_CACHE": str(tmp_path / "cache")}
    served = subprocess.Popen([sys.executable, "-m", "rnnlens", "serve", "--model", "tiny-gru-lm",
                               "--model-path", str(tiny_models), "--model-path", interrupting_entry_point],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = served.stdout.readline().strip()
        assert line.startswith("panel: "), served.stderr.read() if served.poll() is not None else line
        port, token = line.split(":")[-1].split("/?token=")
        page = f"http://127.0.0.1:{port}"

        async def hello_then_page() -> tuple[dict, int]:
            # generous: the hello loads every model, on a machine shared with other test runs
            async with connect(f"ws://127.0.0.1:{port}/ws?token={token}", origin=page, open_timeout=60) as ws:
                first = decode_message(await asyncio.wait_for(ws.recv(), 60))  # load() runs and interrupts
            await interrupted(interrupting_entry_point)
            status, _ = await raw_http(int(port), f"/?token={token}")
            return first, status

        hello, status = asyncio.run(hello_then_page())
        assert any(m["name"] == interrupting_entry_point and "not a model" in m["error"] for m in hello["models"])
        assert served.poll() is None and status == 200
    finally:
        served.send_signal(signal.SIGINT)
        rest, err = served.communicate(timeout=60)
        print(f"serve's stderr:\n{err}", file=sys.stderr)  # shown when the test fails
    assert served.returncode == 0, err
    assert rest == "" and "Traceback" not in err
    assert "ignored _thread.interrupt_main" in err

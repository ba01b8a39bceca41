"""`rnnlens serve` as a user runs it: one line with the page URL, the page and the stream behind it."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from rnnlens.protocol import decode_message
from stream_helpers import raw_http
from websockets.asyncio.client import connect

LINE = re.compile(r"^panel: http://127\.0\.0\.1:(\d+)/\?token=([A-Za-z0-9_-]{40,})$")


def _serve(tiny_models: Path, tmp_path: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "RNNLENS_CACHE": str(tmp_path)}
    return subprocess.Popen([sys.executable, "-m", "rnnlens", "serve", "--model-path", str(tiny_models), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


@pytest.fixture
def served(tiny_models: Path, tmp_path: Path):
    process = _serve(tiny_models, tmp_path, "--model", "tiny-gru-lm")
    yield process
    process.send_signal(signal.SIGINT)
    process.wait(timeout=60)


async def test_prints_one_line_and_serves_page_and_stream(served: subprocess.Popen):
    line = served.stdout.readline().rstrip("\n")
    match = LINE.match(line)
    assert match, line
    port, token = int(match.group(1)), match.group(2)
    status, body = await raw_http(port, f"/?token={token}")
    assert status == 200 and b"<html" in body.lower()
    async with connect(f"ws://127.0.0.1:{port}/ws?token={token}", origin=f"http://127.0.0.1:{port}") as ws:
        hello = decode_message(await ws.recv())
    assert hello["settings"]["model"] == "tiny-gru-lm"
    assert "tiny-gru-lm" in [m["name"] for m in hello["models"]]
    served.send_signal(signal.SIGINT)
    # Ctrl-C waits for a running analysis to see its cancel flag: generous on a loaded machine.
    rest, _ = served.communicate(timeout=60)
    assert rest == "", "serve must print exactly one line"


def test_unknown_model_and_busy_port_are_clear_errors(tiny_models: Path, tmp_path: Path):
    unknown = _serve(tiny_models, tmp_path, "--model", "no-such-model")
    _, err = unknown.communicate(timeout=60)
    assert unknown.returncode == 2 and "unknown model 'no-such-model'" in err and "Traceback" not in err
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = _serve(tiny_models, tmp_path, "--port", str(taken.getsockname()[1]))
        _, err = busy.communicate(timeout=60)
    assert busy.returncode == 2 and "is in use" in err and "Traceback" not in err

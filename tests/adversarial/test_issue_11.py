"""Adversarial cases of issue 11 that no other test covers, against the real language server (one
for the module, started in a folder that holds a hostile `evilmod.py`) and the real CLI.
README.md in this folder maps every item of the issue to the test that covers it."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import pytest_asyncio
from rnnlens.protocol import decode_message, encode_message
from rnnlens.store.cache import AnalysisCache
from websockets.asyncio.client import connect

from tests.lsp.conftest import SERVER_COMMAND, SERVER_ENV
from tests.lsp.raw_client import RawServer

URI = "file:///tmp/rnnlens-adversarial/notes.txt"
TEXT = "the food was good .\nthe staff was helpful .\n"
HOSTILE_NAMES = ["os:abort", "sys:exit", "_thread:interrupt_main", "evilmod:load"]
NOBODY = 65534


@pytest.fixture(scope="module")
def arena(tmp_path_factory: pytest.TempPathFactory, tiny_models: Path) -> Path:
    """The server's working folder: a hostile evilmod.py, a FIFO, and a model folder not on modelPaths."""
    root = tmp_path_factory.mktemp("arena")
    (root / "evilmod.py").write_text("import pathlib\npathlib.Path(__file__).with_name('RAN').write_text('x')\n"
                                     "def load():\n    raise SystemExit(0)\n")
    os.mkfifo(root / "pipe.txt")
    shutil.copytree(tiny_models / "tiny-lstm-lm", root / "elsewhere" / "tiny-lstm-lm")
    return root


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def server(arena: Path, tiny_models: Path) -> AsyncIterator[RawServer]:
    process = await asyncio.create_subprocess_exec(
        *SERVER_COMMAND, cwd=arena, env=SERVER_ENV, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    raw = RawServer(process)
    answer = await raw.initialize({"model": "tiny-gru-lm", "modelPaths": [str(tiny_models)], "clusters": 3})
    assert "result" in answer
    raw.notify("textDocument/didOpen", {"textDocument": {"uri": URI, "languageId": "plaintext", "version": 1,
                                                         "text": TEXT}})
    yield raw
    assert await raw.stop() == 0  # no case may have killed it


async def hover(server: RawServer) -> dict[str, Any]:
    return await server.request("textDocument/hover", {"textDocument": {"uri": URI},
                                                       "position": {"line": 0, "character": 5}})


async def use_model(server: RawServer, model: str) -> None:
    server.notify("workspace/didChangeConfiguration", {"settings": {"rnnlens": {"model": model}}})


async def command(server: RawServer, name: str, arguments: dict[str, Any], timeout: float = 60) -> Any:
    answer = await server.request("workspace/executeCommand", {"command": f"rnnlens.server.{name}",
                                                               "arguments": [arguments]}, timeout=timeout)
    return answer.get("result", answer.get("error"))


def assert_alive(server: RawServer) -> None:
    assert server.process.returncode is None, bytes(server.stderr).decode(errors="replace")[-2000:]


# ----- item 1: a model name runs no code, whichever way it reaches the server

async def test_item1_hostile_model_settings_and_select_model_leave_the_server_running(server, arena):
    for name in HOSTILE_NAMES:
        await use_model(server, name)
        answer = await hover(server)
        assert "result" in answer or "error" in answer
        assert_alive(server)
    chosen = await command(server, "selectModel", {"model": "sys:exit"})
    assert "unknown model 'sys:exit'" in chosen["error"]
    await use_model(server, "tiny-gru-lm")
    answer = await hover(server)
    assert "food" in answer["result"]["contents"]["value"]
    assert not (arena / "RAN").exists()  # evilmod.py in the working folder never ran
    shown = [m["message"] for m in server.notifications("window/showMessage")]
    assert any("unknown model 'os:abort'" in message for message in shown)


async def test_item1_a_panel_asking_for_a_hostile_model_gets_an_error_frame(server, arena):
    for _ in range(600):
        if server.notifications("rnnlens/panelEndpoint"):
            break
        await asyncio.sleep(0.05)
    announced = server.notifications("rnnlens/panelEndpoint")
    assert announced, (f"no panel endpoint in 30 s; the server said {server.notifications('window/showMessage')}"
                       f" and its stderr ends: {bytes(server.stderr).decode(errors='replace')[-2000:]}")
    endpoint = announced[0]
    async with connect(endpoint["url"], origin="vscode-webview://adversarial") as ws:
        assert decode_message(await ws.recv(), direction="server")["type"] == "hello"
        for number, name in enumerate(HOSTILE_NAMES, 1):
            await ws.send(encode_message({"type": "glyph_request", "id": number, "model": name,
                                          "text": "the food was good", "layer": None, "state": None, "k": 3}))
            while (answer := decode_message(await ws.recv(), direction="server"))["type"] in ("progress", "cursor"):
                pass
            assert answer["type"] == "error" and answer["id"] == number and "unknown model" in answer["message"]
    assert_alive(server)
    assert not (arena / "RAN").exists()


# ----- item 5: a corpus that is a FIFO or a device is refused at once, not read

async def test_item5_evaluating_a_fifo_or_a_device_answers_at_once(server, arena):
    for corpus in (str(arena / "pipe.txt"), "/dev/zero"):
        answer = await command(server, "evaluate", {"corpus": [corpus]}, timeout=30)
        assert "not a regular file" in answer["error"] and corpus in answer["error"]
    assert_alive(server)


# ----- item 9: a model folder path works as the model setting, not only once its statistics are cached

async def test_item9_a_model_folder_path_is_a_model_for_the_language_server(server, arena):
    folder = arena / "elsewhere" / "tiny-lstm-lm"
    await use_model(server, str(folder))
    try:
        answer = await hover(server)
        assert "food" in answer["result"]["contents"]["value"]
        assert "tiny-lstm-lm" in answer["result"]["contents"]["value"]
    finally:
        await use_model(server, "tiny-gru-lm")


# ----- item 8: a models folder the user may not read is not a traceback (real CLI)

@pytest.fixture()
def private_models_folder() -> Iterator[tuple[Path, list[str]]]:
    """A user models folder this process cannot look into: another user's (as root, run as nobody),
    or our own with its permissions removed."""
    root = Path(tempfile.mkdtemp(prefix="rnnlens-adversarial-"))
    root.chmod(0o755)
    models = root / "models"
    models.mkdir(mode=0o700)
    as_root = os.geteuid() == 0
    # setpriv is util-linux's (Debian's essential set): as root it is how the CLI runs as another user.
    assert not as_root or shutil.which("setpriv"), "root needs setpriv (util-linux) to run the CLI as another user"
    prefix = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"] if as_root else []
    if not as_root:
        models.chmod(0)
    yield models, prefix
    models.chmod(0o700)
    shutil.rmtree(root, ignore_errors=True)


def test_item8_an_unreadable_models_folder_lists_the_other_models(private_models_folder):
    models, prefix = private_models_folder
    env = {**os.environ, "RNNLENS_MODELS": str(models), "RNNLENS_CACHE": str(models.parent / "cache"),
           "HOME": str(models.parent)}
    (models.parent / "cache").mkdir(mode=0o777)
    (models.parent / "cache").chmod(0o777)
    result = subprocess.run([*prefix, sys.executable, "-m", "rnnlens", "models"], env=env, cwd=models.parent,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "brown-lstm" in result.stdout


# ----- passed before, kept: concurrent writers of one cache entry (separate caches, as processes are)

def test_concurrent_writers_of_one_cache_entry_never_leave_it_corrupt(tmp_path):
    arrays = {"mean": np.arange(200_000, dtype=np.float32)}
    notices: list[str] = []
    caches = [AnalysisCache(tmp_path, report=notices.append) for _ in range(4)]  # each with its own lock
    seen: list[bool] = []

    def write(cache: AnalysisCache) -> None:
        for _ in range(10):
            cache.save("stats", "shared", arrays, {"tokens": 7})

    def read(cache: AnalysisCache) -> None:
        for _ in range(30):
            entry = cache.load("stats", "shared")
            seen.append(entry is None or bool(np.array_equal(entry[0]["mean"], arrays["mean"])))

    threads = [threading.Thread(target=write, args=(c,)) for c in caches[:3]] + [
        threading.Thread(target=read, args=(caches[3],))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert notices == [] and all(seen)
    final = AnalysisCache(tmp_path).load("stats", "shared")
    assert final is not None and final[1] == {"tokens": 7}
    assert not list(tmp_path.rglob("*.tmp"))  # no temporary file left behind

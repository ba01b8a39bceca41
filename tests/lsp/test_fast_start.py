"""The language server answers `initialize` without importing the analysis (torch, numpy,
scikit-learn, SciPy, Captum: 2-6 s on a small machine, which VS Code made the user wait for
before anything else). It imports them on a thread of its own once `initialize` is answered;
requests that need them wait there; the first glyphs wait for no more than they use. A command
line naming a subcommand imports only that one."""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient
from rnnlens.lsp.server import LOADING_TITLE

from tests.lsp.conftest import CONFIG, SERVER_ENV, initialize, inlay, open_document, wait_until
from tests.lsp.raw_client import RawServer

HEAVY = ("torch", "numpy", "sklearn", "scipy", "captum")

# What `rnnlens lsp` runs before it reads its first message (cli/main.py, cli/lsp_cmd.py).
BEFORE_SERVING = """
import json, sys
from rnnlens.cli.main import build_parser
args = build_parser(["lsp"]).parse_args(["lsp"])
from rnnlens.lsp.server import build_server
from rnnlens.lsp.stdio import serve_stdio
from rnnlens.cli.lsp_cmd import one_torch_thread, start_panel_stream
build_server(on_started=[start_panel_stream], before_session=[one_torch_thread])
print(json.dumps(sorted(name for name in sys.modules if name.split(".")[0] in HEAVY)))
""".replace("HEAVY", repr(HEAVY))

# `rnnlens lsp` in a process where `import torch` never finishes (the loading thread hangs there).
TORCH_NEVER_LOADS = """
import sys, threading

class HoldTorch:
    def find_spec(self, name, path=None, target=None):
        if name == "torch":
            threading.Event().wait()
        return None

sys.meta_path.insert(0, HoldTorch())
from rnnlens.cli.main import main
raise SystemExit(main(["lsp"]))
"""


def test_the_lsp_command_imports_no_analysis_before_it_serves():
    output = subprocess.run([sys.executable, "-c", BEFORE_SERVING], capture_output=True, text=True, check=True,
                            env=SERVER_ENV, timeout=120).stdout

    assert json.loads(output) == []


@pytest.mark.asyncio
async def test_initialize_documents_and_shutdown_are_answered_while_torch_is_still_importing():
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", TORCH_NEVER_LOADS, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env=SERVER_ENV)
    raw = RawServer(process)
    try:
        answer = await raw.initialize({}, capabilities={"workspace": {"configuration": True}})
        assert "result" in answer and answer["result"]["serverInfo"]["name"] == "rnnlens"
        commands = answer["result"]["capabilities"]["executeCommandProvider"]["commands"]
        assert "rnnlens.server.selectModel" in commands  # registered from protocol/commands.json
        raw.notify("textDocument/didOpen", {"textDocument": {"uri": "file:///tmp/fast-start.txt",
                                                             "languageId": "plaintext", "version": 1,
                                                             "text": "the food was good .\n"}})
        raw.notify("textDocument/didClose", {"textDocument": {"uri": "file:///tmp/fast-start.txt"}})

        assert (await raw.request("shutdown", None, timeout=30))["result"] is None
        started = time.monotonic()
        raw.notify("exit", None)
        code = await asyncio.wait_for(process.wait(), 30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        raw._reader.cancel()
        raw._stderr_reader.cancel()

    assert code == 0 and time.monotonic() - started < 5


@pytest_lsp.fixture(config=CONFIG)
async def client(lsp_client: LanguageClient):
    yield lsp_client
    await lsp_client.shutdown_session()


@pytest.mark.asyncio
async def test_the_editor_shows_a_progress_while_the_analysis_loads_and_it_ends(
        client: LanguageClient, tiny_models: Path, workspace: Path):
    await initialize(client, workspace, {"model": "tiny-gru-lm", "modelPaths": [str(tiny_models)], "clusters": 3})
    open_document(client, "file:///tmp/fast-start/doc.txt", "the food was good .\n")

    await wait_until(lambda: any(reports and isinstance(reports[-1], types.WorkDoneProgressEnd)
                                 for reports in loading_progress(client)))
    [reports] = loading_progress(client)
    assert [type(report) for report in reports] == [types.WorkDoneProgressBegin, types.WorkDoneProgressEnd]
    assert await inlay(client, "file:///tmp/fast-start/doc.txt") is not None


def loading_progress(client: LanguageClient) -> list[list[Any]]:
    return [reports for reports in client.progress_reports.values()
            if reports and getattr(reports[0], "title", None) == LOADING_TITLE]


def test_what_the_first_glyphs_need_imports_neither_scipy_scikit_learn_nor_captum():
    # the loading thread's work (server.load_session_soon): torch and numpy, not the compare tab's
    # scikit-learn (1-1.5 s), the co-clustering's SciPy (0.4-1.3 s; a sample ships its labels) or
    # the attribution's Captum
    script = ("import json, sys, rnnlens.lsp.session, rnnlens.lsp.inlay_hints, rnnlens.lsp.hover; "
              "print(json.dumps(sorted({name.split('.')[0] for name in sys.modules} & "
              "{'scipy', 'sklearn', 'captum'})))")
    output = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                            env=SERVER_ENV, timeout=120).stdout

    assert json.loads(output) == []


def test_a_subcommand_on_the_command_line_registers_only_its_own_parser():
    script = """
import json, sys
from rnnlens.cli.main import build_parser
parser = build_parser(["lsp", "--verbose"])
names = sorted(next(a for a in parser._actions if a.dest == "command").choices)
print(json.dumps([names, sorted(name for name in sys.modules if name.startswith("rnnlens.cli."))]))
"""
    output = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                            env=SERVER_ENV, timeout=120).stdout

    names, cli_modules = json.loads(output)
    assert names == ["lsp"]
    assert cli_modules == ["rnnlens.cli.lsp_cmd", "rnnlens.cli.main"]


def test_every_subcommand_is_registered_by_the_module_it_is_listed_under():
    from rnnlens.cli.main import SUBCOMMANDS, build_parser

    for name in SUBCOMMANDS:
        assert subcommand_names(build_parser([name])) == [name]
    assert subcommand_names(build_parser([])) == sorted(SUBCOMMANDS)
    assert subcommand_names(build_parser(["--help"])) == sorted(SUBCOMMANDS)


def subcommand_names(parser: argparse.ArgumentParser) -> list[str]:
    action = next(action for action in parser._actions if isinstance(action, argparse._SubParsersAction))
    return sorted(action.choices)

"""Every work-done progress the server begins, it ends: the background clustering of units (on
success and on failure) as well as the long commands. A progress left open stays in the editor's
status bar until the server restarts."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import CONFIG, evaluate_and_wait, hover, initialize, open_document, wait_until

URI = "file:///tmp/rnnlens-progress/doc.txt"


@pytest_lsp.fixture(config=CONFIG, scope="module")
async def client(lsp_client: LanguageClient, tiny_models: Path, workspace: Path):
    await initialize(lsp_client, workspace, {"model": "tiny-lstm-lm", "modelPaths": [str(tiny_models)],
                                             "clusters": 3})
    yield lsp_client
    await lsp_client.shutdown_session()


def titles(client: LanguageClient) -> list[str]:
    return [reports[0].title for reports in client.progress_reports.values()
            if reports and isinstance(reports[0], types.WorkDoneProgressBegin)]


def open_progress(client: LanguageClient) -> list[str]:
    return [reports[0].title for reports in client.progress_reports.values()
            if not reports or not isinstance(reports[-1], types.WorkDoneProgressEnd)]


async def test_clustering_progress_ends_when_clustering_fails(client: LanguageClient):
    # a model without a corpus of its own, and none chosen: clustering starts, then fails
    open_document(client, URI, "the food was good .\n")
    await hover(client, URI, 0, 5)
    await wait_until(lambda: any("clustering units" in title for title in titles(client)))
    await wait_until(lambda: not open_progress(client), timeout=60)


async def test_every_progress_ends_after_evaluating_and_clustering(client: LanguageClient):
    await evaluate_and_wait(client)  # the command's progress, then clustering on the chosen statistics
    assert sum("clustering units" in title for title in titles(client)) >= 2
    await asyncio.sleep(0.5)
    await wait_until(lambda: not open_progress(client), timeout=60)
    for reports in client.progress_reports.values():
        assert sum(isinstance(report, types.WorkDoneProgressEnd) for report in reports) == 1

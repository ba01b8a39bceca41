"""A failure the user must fix shows one popup, not one per request: a burst of hovers over several
documents with a broken model setting gives a single error message, until the settings change."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import CONFIG, hover, initialize, inlay, open_document, wait_until

TEXT = "the food was good .\nthe staff was helpful .\n"


@pytest_lsp.fixture(config=CONFIG, scope="module")
async def client(lsp_client: LanguageClient, tiny_models: Path, workspace: Path):
    await initialize(lsp_client, workspace, {"model": "no-such-model", "modelPaths": [str(tiny_models)]})
    yield lsp_client
    await lsp_client.shutdown_session()


def popups(client: LanguageClient, word: str) -> list[str]:
    return [m.message for m in client.messages if m.type == types.MessageType.Error and word in m.message]


async def burst(client: LanguageClient, uris: list[str]) -> None:
    for round_ in range(10):
        for uri in uris:
            assert await hover(client, uri, round_ % 2, 5) is None
        await inlay(client, uris[round_ % len(uris)])


async def test_a_broken_model_setting_shows_one_popup_for_a_burst_of_hovers(client: LanguageClient):
    uris = [f"file:///tmp/rnnlens-popups/doc{i}.txt" for i in range(3)]
    for uri in uris:
        open_document(client, uri, TEXT)
    await burst(client, uris)
    await wait_until(lambda: popups(client, "no-such-model"))
    await asyncio.sleep(1.0)  # anything still on its way arrives
    assert len(popups(client, "no-such-model")) == 1, popups(client, "no-such-model")


async def test_a_configuration_change_that_changes_nothing_shows_nothing_again(client: LanguageClient):
    uris = [f"file:///tmp/rnnlens-popups/doc{i}.txt" for i in range(3)]
    before = len(client.messages)
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"rnnlens": {"model": "no-such-model"}}))  # e.g. another extension's setting changed
    await burst(client, uris)
    await asyncio.sleep(1.0)
    assert len(popups(client, "no-such-model")) == 1, client.messages[before:]


async def test_a_settings_change_shows_the_new_failure_once(client: LanguageClient):
    uris = [f"file:///tmp/rnnlens-popups/doc{i}.txt" for i in range(3)]
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"rnnlens": {"model": "still-missing"}}))
    await wait_until(lambda: popups(client, "still-missing"))
    await burst(client, uris)
    await asyncio.sleep(1.0)
    assert len(popups(client, "still-missing")) == 1, popups(client, "still-missing")
    assert len(popups(client, "no-such-model")) == 1

"""Settings from initializationOptions and workspace/configuration, applied without a restart;
errors reach the user as window/showMessage and the server keeps serving; long commands cancel."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcRequestCancelled
from pytest_lsp import LanguageClient

from tests.lsp.conftest import (
    CONFIG,
    CORPUS,
    evaluate_and_wait,
    execute,
    hover,
    initialize,
    inlay,
    open_document,
    wait_for_clusters,
    wait_until,
)

URI = "file:///tmp/rnnlens-settings/notes.md"
TEXT = "the staff was helpful and the food was good .\n"


@pytest_lsp.fixture(config=CONFIG, scope="module")
async def client(lsp_client: LanguageClient, tiny_models: Path, workspace: Path):
    # workspace/configuration answers `clusters`; initializationOptions give the rest.
    lsp_client.set_configuration({"clusters": 3}, section="rnnlens")
    await initialize(lsp_client, workspace, {
        "model": "tiny-lstm-lm", "modelPaths": [str(tiny_models)], "layer": 1, "state": "h",
        "inlayHints": {"density": "sometimes"}, "hover": {"image": False}, "colour": "orange"})
    yield lsp_client
    await lsp_client.shutdown_session()


def errors(client: LanguageClient) -> list[str]:
    return [m.message for m in client.messages if m.type == types.MessageType.Error]


async def change_settings(client: LanguageClient, settings: object) -> None:
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=settings))


async def test_a_wrong_setting_value_is_named_in_a_message(client: LanguageClient):
    await wait_until(lambda: any("rnnlens.inlayHints.density" in m for m in errors(client)))
    message = next(m for m in errors(client) if "rnnlens.inlayHints.density" in m)
    assert "'sometimes'" in message and "all, words, large" in message


async def test_an_unknown_setting_is_logged(client: LanguageClient):
    await wait_until(lambda: any("rnnlens.colour" in m.message for m in client.log_messages))


async def test_initialization_options_and_configuration_both_apply(client: LanguageClient):
    await evaluate_and_wait(client)
    open_document(client, URI, TEXT, language="markdown")
    result = await hover(client, URI, 0, 5)
    assert result is not None
    assert "`layer1.h`" in result.contents.value  # initializationOptions
    assert "data:image" not in result.contents.value  # hover.image false
    assert len(result.contents.value.split("glyph `")[1].split("`")[0]) == 3  # clusters: 3 from configuration
    hints = await inlay(client, URI)
    assert len(hints) == 9  # "words" (the default) kept after the wrong value: 9 words, no "."


async def test_pushed_settings_apply_without_restart_and_refresh_hints(client: LanguageClient):
    refreshes = client.inlay_refreshes
    await change_settings(client, {"rnnlens": {"layer": 2, "state": "c", "clusters": 3,
                                               "inlayHints": {"density": "every-token"}}})
    await wait_until(lambda: client.inlay_refreshes > refreshes)
    await wait_for_clusters(client)
    result = await hover(client, URI, 0, 5)
    assert result is not None and "`layer2.c`" in result.contents.value
    await wait_until(lambda: sum(1 for s in client.statuses if s.get("clusters") == "ready" and s.get("layer") == 2) > 0)
    assert len(await inlay(client, URI)) == 10  # every token now


async def test_pulled_settings_apply_on_a_change_notification(client: LanguageClient):
    client.set_configuration({"layer": 1, "state": "c", "clusters": 3}, section="rnnlens")
    await change_settings(client, None)

    async def shows_layer1() -> bool:
        result = await hover(client, URI, 0, 5)
        return result is not None and "`layer1.c`" in result.contents.value

    for _ in range(100):
        if await shows_layer1():
            break
        await asyncio.sleep(0.1)
    assert await shows_layer1()


async def test_unknown_model_is_a_message_and_the_server_keeps_serving(client: LanguageClient):
    await change_settings(client, {"rnnlens": {"model": "no-such-model"}})
    await wait_until(lambda: any("unknown model 'no-such-model'" in m for m in errors(client)))
    assert await hover(client, URI, 0, 5) is None
    await change_settings(client, {"rnnlens": {"model": "tiny-lstm-lm"}})
    await wait_until(lambda: client.inlay_refreshes > 0)
    for _ in range(100):
        if await hover(client, URI, 0, 5) is not None:
            break
        await asyncio.sleep(0.1)
    assert await hover(client, URI, 0, 5) is not None


async def test_corrupt_model_is_a_message(client: LanguageClient, tmp_path: Path, tiny_models: Path):
    broken = tmp_path / "broken-lm"
    broken.mkdir()
    (broken / "config.json").write_text((tiny_models / "tiny-lstm-lm" / "config.json").read_text())
    (broken / "weights.safetensors").write_bytes(b"this is not a safetensors file")
    for name in ("vocab.json", "vocabulary.json", "card.json"):
        if (tiny_models / "tiny-lstm-lm" / name).exists():
            (broken / name).write_text((tiny_models / "tiny-lstm-lm" / name).read_text())
    result = await execute(client, "selectModel", str(broken))
    assert "error" in result
    assert any("Select model failed" in m for m in errors(client))
    assert await hover(client, URI, 0, 5) is not None  # still the previous model


async def test_document_over_the_size_limit_is_a_message(client: LanguageClient):
    await change_settings(client, {"rnnlens": {"maxDocumentSize": 1000}})
    big = "file:///tmp/rnnlens-settings/big.txt"
    open_document(client, big, "word " * 400)
    assert await hover(client, big, 0, 1) is None
    await wait_until(lambda: any("rnnlens.maxDocumentSize" in m for m in errors(client)))
    assert await hover(client, URI, 0, 5) is not None  # small documents still work
    await change_settings(client, {"rnnlens": {"maxDocumentSize": 2_000_000}})


async def test_progress_cancel_stops_a_long_evaluation(client: LanguageClient, tmp_path: Path):
    files = []
    for index in range(130):  # about 40k tokens in 3 batches: long enough to cancel after the first
        path = tmp_path / f"doc{index}.txt"
        path.write_text(CORPUS[:1300] + f" {index}")
        files.append(str(path))
    before = set(client.progress_reports)
    task = asyncio.ensure_future(execute(client, "evaluate", {"corpus": files}))
    await wait_until(lambda: set(client.progress_reports) - before)
    token = next(iter(set(client.progress_reports) - before))
    client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=token))
    result = await asyncio.wait_for(task, 60)
    assert result == {"cancelled": True}
    assert isinstance(client.progress_reports[token][-1], types.WorkDoneProgressEnd)


async def test_cancel_request_stops_a_long_evaluation(client: LanguageClient, tmp_path: Path):
    files = []
    for index in range(130):
        path = tmp_path / f"other{index}.txt"
        path.write_text(CORPUS[:1300] + f" other {index}")
        files.append(str(path))
    before = set(client.progress_reports)
    future = asyncio.ensure_future(client.protocol.send_request_async(
        types.WORKSPACE_EXECUTE_COMMAND, types.ExecuteCommandParams(
            command="rnnlens.server.evaluate", arguments=[{"corpus": files}]), msg_id="evaluate-to-cancel"))
    await wait_until(lambda: set(client.progress_reports) - before)
    client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="evaluate-to-cancel"))
    with pytest.raises(JsonRpcRequestCancelled):
        await asyncio.wait_for(future, 60)
    assert "models" in await execute(client, "selectModel")  # still serving

"""Every palette command, sent through a real client, answers what protocol/commands.json says it
answers (the definition the extension's TypeScript types are generated from)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest_lsp
from pytest_lsp import LanguageClient
from rnnlens.protocol.command_results import notification_problem, result_problem
from rnnlens.protocol.commands import COMMANDS

from tests.lsp.conftest import CONFIG, evaluate_and_wait, execute, initialize, open_document

URI = "file:///tmp/rnnlens-results/doc.txt"
CALLS: list[tuple[str, dict[str, Any]]] = [
    ("selectModel", {}),
    ("evaluate", {}),
    ("cocluster", {"k": 3}),
    ("explainUnit", {"unit": 0, "top": 3}),
    ("compareModels", {"modelA": "tiny-lstm-lm", "modelB": "tiny-gru-lm", "uri": URI, "k": 3}),
    ("explainSentence", {"uri": URI, "position": {"line": 0, "character": 5}, "k": 3}),
    ("findPatterns", {"uri": URI, "start": {"line": 0, "character": 4}, "end": {"line": 0, "character": 17}}),
    ("selectModel", {"model": "tiny-lstm-lm"}),
]


@pytest_lsp.fixture(config=CONFIG, scope="module")
async def client(lsp_client: LanguageClient, tiny_models: Path, workspace: Path):
    await initialize(lsp_client, workspace, {"model": "tiny-lstm-lm", "modelPaths": [str(tiny_models)],
                                             "clusters": 3})
    await evaluate_and_wait(lsp_client)
    open_document(lsp_client, URI, "the food was good . the staff was bad .\n")
    yield lsp_client
    await lsp_client.shutdown_session()


async def test_every_command_answers_its_defined_result(client: LanguageClient):
    assert {name for name, _ in CALLS} == set(COMMANDS)  # a new command needs a line here
    for name, arguments in CALLS:
        result = await execute(client, name, arguments)
        assert isinstance(result, dict) and "error" not in result, (name, result)
        assert result_problem(name, result) is None, (name, result_problem(name, result))


async def test_a_wrong_answer_is_caught_by_the_definition():
    assert result_problem("explainUnit", {"model": "m", "layer": 1}) is not None
    assert result_problem("evaluate", {"model": "m", "corpus": "c", "tokens": "many", "words": 3}) is not None
    assert result_problem("evaluate", {"error": "a sentence"}) is None


async def test_a_wrong_status_notification_is_caught_by_the_definition():
    ready = {"clusters": "ready", "model": "m", "layer": 1, "state": "h", "k": 8, "corpus": None, "provenance": None}
    assert notification_problem("rnnlens/status", ready) is None
    assert notification_problem("rnnlens/status", {**ready, "clusters": "done"}) is not None  # not an enum value
    assert notification_problem("rnnlens/status", {k: v for k, v in ready.items() if k != "k"}) is not None
    assert notification_problem("rnnlens/status", {"clusters": "failed", "model": "m", "corpus": None}) is not None
    assert notification_problem("rnnlens/unknown", ready) is not None

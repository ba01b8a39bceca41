"""Palette commands check their arguments against protocol/commands.json: a wrong type or range
answers {error: a sentence naming the argument}, never a JSON-RPC internal error with Python
exception text, and the server keeps serving."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from tests.lsp.raw_client import RawServer

URI = "file:///tmp/rnnlens-commands/doc.txt"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def server(tiny_models: Path) -> AsyncIterator[RawServer]:
    raw = await RawServer.start()
    await raw.initialize({"model": "tiny-gru-lm", "modelPaths": [str(tiny_models)], "clusters": 3})
    raw.notify("textDocument/didOpen", {"textDocument": {"uri": URI, "languageId": "plaintext", "version": 1,
                                                         "text": "the food was good . the staff was bad ."}})
    yield raw
    assert await raw.stop() == 0


# (command, arguments as JSON text, words the answer's sentence must hold)
BAD_ARGUMENTS = [
    ("explainSentence", f'[{{"uri": "{URI}", "position": "x"}}]', ["'position'", "line, character"]),
    ("explainSentence", f'[{{"uri": "{URI}", "position": {{"line": -1, "character": 0}}}}]', ["'position'"]),
    ("explainSentence", f'[{{"uri": "{URI}", "position": {{"line": 0}}}}]', ["'position'"]),
    ("explainSentence", '[{"position": {"line": 0, "character": 0}}]', ["needs", "uri"]),
    ("cocluster", '[{"k": 1e400}]', ["'k'", "whole number from 2 to 64", "inf"]),
    ("cocluster", '[{"k": 2.5}]', ["'k'", "whole number"]),
    ("cocluster", '[{"words": true}]', ["'words'"]),
    ("cocluster", '[{"state": "x"}]', ["'state'", "'h' or 'c'"]),
    ("cocluster", '[{"layer": 0}]', ["'layer'", "from 1"]),
    ("explainUnit", '[{"unit": 0, "top": 0}]', ["'top'", "from 1"]),
    ("explainUnit", '[{"unit": 0, "top": -5}]', ["'top'", "from 1"]),
    ("explainUnit", '[{"unit": "3"}]', ["'unit'", "whole number"]),
    ("explainUnit", "[]", ["needs", "unit"]),
    ("explainUnit", '[{"unit": 0, "colour": "red"}]', ["does not know", "colour"]),
    ("selectModel", '[1, 2, 3]', ["at most 1"]),
    ("selectModel", '[{"model": ["a"]}]', ["'model'", "string"]),
    ("evaluate", '[{"corpus": 5}]', ["'corpus'", "list of strings"]),
    ("compareModels", '[{"modelA": "tiny-gru-lm"}]', ["needs", "modelB"]),
]


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize(("command", "arguments", "words"), BAD_ARGUMENTS,
                         ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(BAD_ARGUMENTS)])
async def test_wrong_arguments_answer_a_sentence(server: RawServer, command: str, arguments: str, words: list[str]):
    answer = await server.request("workspace/executeCommand", None, timeout=60,
                                  params_json=f'{{"command": "rnnlens.server.{command}", "arguments": {arguments}}}')
    assert "error" not in answer, answer  # not a JSON-RPC error: a result the palette shows
    sentence = answer["result"]["error"]
    assert all(word in sentence for word in words), sentence
    assert "Traceback" not in sentence and "Error:" not in sentence


@pytest.mark.asyncio(loop_scope="module")
async def test_the_server_still_serves_commands(server: RawServer):
    answer = await server.request("workspace/executeCommand", {"command": "rnnlens.server.selectModel",
                                                               "arguments": [{}]})
    assert "tiny-gru-lm" in [model["name"] for model in answer["result"]["models"]]

"""Lines as the editor counts them: only \\n, \\r\\n and \\r end a line. A form feed, VT, FS,
U+0085 or U+2028 inside a line (which `str.splitlines` would break at) changes nothing: hover
finds the word the editor shows, hints land on the editor's lines, edits land where the editor
made them."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import CONFIG, evaluate_and_wait, hover, initialize, inlay, open_document

OPTIONS = {"model": "tiny-gru-lm", "clusters": 3, "inlayHints": {"density": "all"}}
SEPARATORS = ["\x0c", "\x0b", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


@pytest_lsp.fixture(config=CONFIG, scope="module")
async def client(lsp_client: LanguageClient, tiny_models: Path, workspace: Path):
    await initialize(lsp_client, workspace, {**OPTIONS, "modelPaths": [str(tiny_models)]})
    await evaluate_and_wait(lsp_client)
    yield lsp_client
    await lsp_client.shutdown_session()


def hovered_word(result: types.Hover | None) -> str | None:
    return None if result is None else result.contents.value.split("**")[1]


@pytest.mark.parametrize("separator", SEPARATORS, ids=[f"U+{ord(s):04X}" for s in SEPARATORS])
async def test_hover_after_a_separator_finds_the_word_the_editor_shows(client: LanguageClient, separator: str):
    uri = f"file:///tmp/rnnlens-lines/hover-{ord(separator):x}.txt"
    open_document(client, uri, f"the food{separator}staff was good .\nthe movie was bad .\n")
    assert hovered_word(await hover(client, uri, 0, 10)) == "staff"  # line 0, column 10: "staff"
    assert hovered_word(await hover(client, uri, 1, 5)) == "movie"


async def test_hints_land_on_the_editors_lines(client: LanguageClient):
    uri = "file:///tmp/rnnlens-lines/hints.txt"
    lines = ["the food\x0cwas good .", "the staff\u2028was\x85helpful .", "i love it ."]
    open_document(client, uri, "\n".join(lines) + "\n")
    hints = await inlay(client, uri)
    assert {hint.position.line for hint in hints} == {0, 1, 2}
    for hint in hints:
        before = lines[hint.position.line][: hint.position.character]
        assert before and not before[-1].isspace(), (hint.position, lines[hint.position.line])
    assert len([h for h in hints if h.position.line == 1]) == 5  # the staff was helpful .


async def test_an_edit_after_a_separator_lands_where_the_editor_made_it(client: LanguageClient):
    uri = "file:///tmp/rnnlens-lines/edit.txt"
    open_document(client, uri, "the food\u2028was good .\nthe cook was bad .\n")
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangePartial(  # "cook" -> "staff" on line 1
            range=types.Range(types.Position(1, 4), types.Position(1, 8)), text="staff")]))
    assert hovered_word(await hover(client, uri, 1, 5)) == "staff"
    assert hovered_word(await hover(client, uri, 0, 1)) == "the"
    assert hovered_word(await hover(client, uri, 0, 14)) == "good"

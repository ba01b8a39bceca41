"""Property: after any sequence of incremental edits, hover and inlay hints equal those of a
fresh server that is only given the final text, and land where the client's lines put them."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest_lsp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import (
    CONFIG,
    evaluate_and_wait,
    hover,
    initialize,
    inlay,
    open_document,
)
from tests.lsp.edits import change

START = "the food was good .\nthe staff\x0cwas not helpful , though !\n\ni love\u2028it 😀 .\n"
# Form feed, VT, FS, U+0085 and U+2028 are line breaks for `str.splitlines` but not for LSP:
# the server must keep them inside the editor's lines.
PIECES = ["the ", "food ", "good", " bad", "staff ", "é", "😀", " ", "\n", ".", ", ", "was ", "not", "x",
          "\x0c", "\u2028", "\x85", "\x0b", "\x1c"]
OPTIONS = {"model": "tiny-gru-lm", "clusters": 3, "inlayHints": {"density": "all"}}
_serial = itertools.count()


async def _start(client: LanguageClient, tiny_models: Path, workspace: Path) -> LanguageClient:
    await initialize(client, workspace, {**OPTIONS, "modelPaths": [str(tiny_models)]})
    await evaluate_and_wait(client)  # the second server reads the statistics from the shared cache
    return client


@pytest_lsp.fixture(config=CONFIG, scope="module")
async def edited(lsp_client: LanguageClient, tiny_models: Path, workspace: Path):
    yield await _start(lsp_client, tiny_models, workspace)
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=CONFIG, scope="module")
async def fresh(lsp_client: LanguageClient, tiny_models: Path, workspace: Path):
    yield await _start(lsp_client, tiny_models, workspace)
    await lsp_client.shutdown_session()


def utf16_prefix(line: str, units: int) -> str:
    """The start of `line` that `units` UTF-16 code units cover."""
    return line.encode("utf-16-le")[: 2 * units].decode("utf-16-le")


def hint_facts(hints: list[types.InlayHint]) -> list[tuple[int, int, str]]:
    return [(h.position.line, h.position.character, str(h.label)) for h in hints]


edit_list = st.lists(st.tuples(st.floats(0, 1), st.floats(0, 0.2), st.lists(st.sampled_from(PIECES), max_size=4)),
                     min_size=1, max_size=10)


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(edits=edit_list, probes=st.lists(st.floats(0, 1), min_size=1, max_size=3))
async def test_edited_document_answers_like_a_fresh_server(edited: LanguageClient, fresh: LanguageClient,
                                                           edits: list, probes: list[float]):
    serial = next(_serial)
    uri = f"file:///tmp/rnnlens-property/doc{serial}.txt"
    text = START
    open_document(edited, uri, text)
    await inlay(edited, uri)  # fill the caches before editing, so the edits must invalidate them
    for version, (where, length, pieces) in enumerate(edits, start=2):
        start = int(where * len(text))
        end = min(len(text), start + int(length * len(text)))
        text, event = change(text, start, end, "".join(pieces))
        edited.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version), content_changes=[event]))
    fresh_uri = f"file:///tmp/rnnlens-property/fresh{serial}.txt"
    open_document(fresh, fresh_uri, text)
    hints = await inlay(edited, uri)
    assert hint_facts(hints) == hint_facts(await inlay(fresh, fresh_uri))
    lines = text.split("\n")  # the client's lines (no \r here): nothing else breaks a line
    for hint in hints:  # each glyph sits right after a token on the line the editor shows
        before = utf16_prefix(lines[hint.position.line], hint.position.character)
        assert before and not before[-1].isspace(), (hint, lines[hint.position.line])
    for probe in probes:
        line = min(int(probe * len(lines)), len(lines) - 1)
        for character in range(0, len(lines[line].encode("utf-16-le")) // 2 + 1, 3):
            a = await hover(edited, uri, line, character)
            b = await hover(fresh, fresh_uri, line, character)
            assert (a is None) == (b is None)
            if a is not None and b is not None:
                assert a.range == b.range
                assert a.range.start.line == a.range.end.line == line  # the hovered word is on this line
                word = utf16_prefix(lines[line], a.range.end.character)[
                    len(utf16_prefix(lines[line], a.range.start.character)):]
                assert word and not any(ch.isspace() for ch in word), (word, lines[line])
                assert a.contents.value.split("token ")[1] == b.contents.value.split("token ")[1]

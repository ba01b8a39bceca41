"""The language server end to end, through a real LSP client over stdio (one server for this module)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient
from rnnlens.protocol.command_results import notification_problem
from rnnlens.protocol.commands import STATUS_NOTIFICATION

from tests.lsp.conftest import (
    CONFIG,
    evaluate_and_wait,
    execute,
    hover,
    initialize,
    inlay,
    open_document,
    wait_until,
)

TEXT = "the food was good 😀 and the staff was helpful .\n\ni love it , though the movie was bad !\n"
URI = "file:///tmp/rnnlens-e2e/review.txt"


@pytest_lsp.fixture(config=CONFIG, scope="module")
async def client(lsp_client: LanguageClient, tiny_models: Path, workspace: Path):
    await initialize(lsp_client, workspace, {"model": "tiny-lstm-lm", "modelPaths": [str(tiny_models)],
                                             "clusters": 4, "inlayHints": {"density": "all"}})
    yield lsp_client
    await lsp_client.shutdown_session()


async def test_a_model_without_a_corpus_says_how_to_get_clusters(client: LanguageClient):
    def told() -> bool:
        return any("evaluate" in m.message.lower() for m in client.messages if m.type == types.MessageType.Error)

    # The server sends the failed status, then the message; the client may record the status first.
    await wait_until(lambda: any(s.get("clusters") == "failed" for s in client.statuses) and told())
    assert told()


async def test_evaluate_reports_progress_and_enables_clusters(client: LanguageClient):
    result = await evaluate_and_wait(client)
    assert result["tokens"] > 100 and "workspace" in result["corpus"]
    reports = [r for reports in client.progress_reports.values() for r in reports]
    assert any(isinstance(r, types.WorkDoneProgressBegin) and "Evaluate" in r.title for r in reports)
    assert any(isinstance(r, types.WorkDoneProgressEnd) for r in reports)
    assert any(m.message.startswith("Evaluated tiny-lstm-lm") for m in client.messages)


async def test_hover_on_a_word_shows_glyph_kept_rate_and_next_words(client: LanguageClient):
    open_document(client, URI, TEXT)
    result = await hover(client, URI, 0, 5)  # inside "food"
    assert result is not None
    text = result.contents.value
    assert "**food**" in text and "kept rate" in text and "next word" in text and "glyph `" in text
    assert "data:image/png;base64," in text
    assert result.range == types.Range(types.Position(0, 4), types.Position(0, 8))


async def test_hover_positions_count_utf16_after_an_emoji(client: LanguageClient):
    # "😀" is two UTF-16 code units: "and" starts at column 21, not 20.
    result = await hover(client, URI, 0, 22)
    assert result is not None and "**and**" in result.contents.value
    assert result.range.start == types.Position(0, 21)


async def test_hover_outside_words_and_past_the_end_is_empty(client: LanguageClient):
    assert await hover(client, URI, 0, 4 - 1) is None  # the space before "food"
    assert await hover(client, URI, 1, 0) is None  # the empty line
    assert await hover(client, URI, 99, 3) is None
    assert await hover(client, URI, 0, 500) is None


async def test_inlay_hints_cover_only_the_requested_lines_and_resolve_to_numbers(client: LanguageClient):
    hints = await inlay(client, URI, 2, 3)
    assert hints and all(h.position.line == 2 for h in hints)
    assert len(hints) == 10  # every token of line 3 ("density": "all"), punctuation included
    assert all(len(h.label) == 4 for h in hints)  # one character per unit cluster
    assert hints[0].position == types.Position(2, 1)  # after "i"
    resolved = await client.inlay_hint_resolve_async(hints[0])
    assert "| cluster | update |" in resolved.tooltip.value


async def test_incremental_edit_changes_only_what_follows(client: LanguageClient):
    before = await inlay(client, URI)
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=URI, version=2),
        content_changes=[types.TextDocumentContentChangePartial(
            range=types.Range(types.Position(2, 0), types.Position(2, 1)), text="we")]))
    after = await inlay(client, URI)
    assert len(after) == len(before)
    first_line = [h.label for h in before if h.position.line == 0]
    assert first_line == [h.label for h in after if h.position.line == 0]
    assert after[-1].position == types.Position(2, before[-1].position.character + 1)
    result = await hover(client, URI, 2, 1)
    assert result is not None and "**we**" in result.contents.value


async def test_cocluster_command_returns_clusters_with_progress(client: LanguageClient):
    result = await execute(client, "cocluster", {"k": 3, "words": 10})
    assert len(result["word_clusters"]) == 3 and len(result["unit_clusters"]) == 3
    assert sorted(u for cluster in result["unit_clusters"] for u in cluster) == list(range(16))
    assert any(m.message.startswith("Co-clustered") for m in client.messages)


async def test_explain_unit_command(client: LanguageClient):
    result = await execute(client, "explainUnit", {"unit": 3})
    assert result["positive"] or result["negative"]
    # layer and state as every other answer names them: the state is h or c, not "layer2.c"
    clusters = await execute(client, "cocluster", {})
    assert (result["layer"], result["state"]) == (clusters["layer"], clusters["state"])
    assert result["state"] in ("h", "c")
    bad = await execute(client, "explainUnit", {"unit": 99})
    assert "unit 99" in bad["error"]
    assert any("unit 99" in m.message for m in client.messages if m.type == types.MessageType.Error)


async def test_explain_sentence_command_analyses_the_sentence_at_the_cursor(client: LanguageClient):
    result = await execute(client, "explainSentence", {"uri": URI, "position": {"line": 2, "character": 5}})
    assert result["range"]["start"] == {"line": 2, "character": 0}
    assert [t["text"] for t in result["tokens"]][:3] == ["we", "love", "it"]


async def test_compare_models_command(client: LanguageClient):
    await execute(client, "evaluate", {"model": "tiny-gru-lm"})
    result = await execute(client, "compareModels", {"modelA": "tiny-lstm-lm", "modelB": "tiny-gru-lm", "k": 3})
    assert 0.0 <= result["similarity"] <= 1.0
    assert result["models"] == ["tiny-lstm-lm", "tiny-gru-lm"]


async def test_unknown_command_argument_is_a_message_not_a_crash(client: LanguageClient):
    result = await execute(client, "cocluster", {"clusters": 3})
    assert "does not know the argument" in result["error"]


async def test_listing_models_names_the_one_in_use_and_shows_no_message(client: LanguageClient):
    before = len(client.messages)
    listing = await execute(client, "selectModel")
    assert listing["current"] == "tiny-lstm-lm"
    await asyncio.sleep(0.3)  # a message would follow the result at once
    assert [m.message for m in client.messages[before:] if "tiny-gru-lm" in m.message] == []  # no "Models: …"


async def test_select_model_switches_and_refreshes_inlay_hints(client: LanguageClient):
    listing = await execute(client, "selectModel")
    assert "tiny-gru-lm" in [row["name"] for row in listing["models"]]
    refreshes = client.inlay_refreshes
    described = await execute(client, "selectModel", "tiny-gru-lm")
    assert described["cell"] == "gru"
    await wait_until(lambda: client.inlay_refreshes > refreshes)
    result = await hover(client, URI, 0, 5)
    assert result is not None and "`tiny-gru-lm` `layer2.h`" in result.contents.value


async def test_every_status_the_server_sent_fits_its_definition_in_protocol(client: LanguageClient):
    # the module's run went through a failure (no corpus), a computation and ready clusters
    assert {s["clusters"] for s in client.statuses} >= {"failed", "computing", "ready"}
    for status in client.statuses:
        assert notification_problem(STATUS_NOTIFICATION, status) is None, status

"""Command answers stay small on long documents: per-token detail for a bounded window only,
while the states still come from the whole sentence (issue 11: explainSentence on a 600 KB
paragraph took 6.9 GB)."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec
from rnnlens.analysis.text_analysis import token_window
from rnnlens.lsp.commands import CommandContext, compare_models, explain_sentence
from rnnlens.lsp.session import LensSession

from tests.lsp.test_precompute import RecordingNotifier

WINDOW = 50
URI = "file:///long.txt"


def _session(tiny_models: Path, text: str, monkeypatch, tmp_path: Path) -> LensSession:
    monkeypatch.setattr("rnnlens.lsp.commands.MAX_EXPLAINED_TOKENS", WINDOW)
    monkeypatch.setenv("RNNLENS_CACHE", str(tmp_path / "cache"))
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("the food was good and the staff is not helpful though i love it .\n" * 40)
    session = LensSession(RecordingNotifier())
    session.configure({"model": "tiny-gru-lm", "modelPaths": [str(tiny_models)], "clusters": 3,
                       "corpus": str(corpus)}, "test")
    session.documents.put(URI, 1, text, "plaintext", PositionCodec(types.PositionEncodingKind.Utf16))
    return session


CONTEXT = CommandContext(progress=lambda fraction, message: None, cancelled=lambda: False, workspace_roots=[])


def test_token_window_centres_on_the_cursor_and_stays_inside():
    starts = list(range(0, 1000, 10))  # 100 tokens
    assert token_window(starts, 505, 10) == (45, 55)
    assert token_window(starts, 0, 10) == (0, 10)
    assert token_window(starts, 10_000, 10) == (90, 100)
    assert token_window(starts[:5], 30, 10) == (0, 5)


def test_explain_sentence_details_a_window_around_the_cursor(tiny_models: Path, monkeypatch, tmp_path: Path):
    words = "the food was good and the staff is not helpful though i love it".split()
    text = " ".join(words[i % len(words)] for i in range(600))  # one "sentence" of 600 tokens
    session = _session(tiny_models, text, monkeypatch, tmp_path)
    cursor = text.index("staff", len(text) // 2)
    data, summary = explain_sentence(session, {"uri": URI, "position": {"line": 0, "character": cursor}}, CONTEXT)
    assert data["tokens_total"] == 600 and len(data["tokens"]) == WINDOW
    first, stop = data["tokens_shown"]
    assert stop - first == WINDOW and any(t["start"] == cursor for t in data["tokens"])
    assert "details of tokens" in summary
    # the detail is that of the whole sentence's states, not of the window read alone
    whole = session.service.analyze_text("tiny-gru-lm", text, k=3, corpus=str(tmp_path / "corpus.txt")).to_json()
    assert data["tokens"][0]["glyph"] == whole["tokens"][first]["glyph"]


def test_compare_with_a_document_details_its_first_tokens_only(tiny_models: Path, monkeypatch, tmp_path: Path):
    text = "the food was good . " * 100
    session = _session(tiny_models, text, monkeypatch, tmp_path)
    data, _ = compare_models(session, {"modelA": "tiny-gru-lm", "modelB": "tiny-rnn-lm", "uri": URI, "k": 3},
                             CONTEXT)
    assert [len(t["tokens"]) for t in data["texts"]] == [WINDOW, WINDOW]
    assert [t["tokens_total"] for t in data["texts"]] == [500, 500]

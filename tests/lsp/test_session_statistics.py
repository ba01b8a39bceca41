"""The language server's statistics are chosen by rnnlens.corpus, named in status notifications
and hovers, and never switched by an evaluation (issue 10), tested on a real session in-process."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec
from rnnlens.lsp.hover import hover_data, render_hover
from rnnlens.lsp.session import LensSession

from tests.lsp.recording_notifier import RecordingNotifier

TEXT = "the food was good and the staff was helpful .\n"
CORPUS = "the food was good and the staff was very helpful . i love it but the movie was bad .\n" * 30
OTHER = "a great movie , though the food was terrible ! the staff is not good .\n" * 30


def _wait_for(predicate: Any, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def _session(tiny_models: Path, tmp_path: Path, monkeypatch: Any, **settings: Any) -> tuple[LensSession, RecordingNotifier]:
    monkeypatch.setenv("RNNLENS_CACHE", str(tmp_path / "cache"))
    recorder = RecordingNotifier()
    session = LensSession(recorder)
    session.configure({"model": "tiny-lstm-lm", "modelPaths": [str(tiny_models)], "clusters": 3, **settings}, "test")
    return session, recorder


def _ready(session: LensSession) -> Any:
    model = session.model()
    key = session.cluster_key(model, session.view_for(model))
    session.clusters.labels(key)
    _wait_for(lambda: session.clusters.status(key) != "computing" and session.clusters.status(key) != "not started")
    return key


def test_without_a_corpus_the_failure_names_the_setting(tiny_models, tmp_path, monkeypatch):
    session, recorder = _session(tiny_models, tmp_path, monkeypatch)
    key = _ready(session)
    assert session.clusters.status(key).startswith("failed")
    failed = [s for s in recorder.statuses if s.get("clusters") == "failed"]
    assert failed and "rnnlens.corpus" in failed[-1]["error"] and "UserModel(corpus=...)" in failed[-1]["error"]


def test_the_corpus_setting_chooses_the_statistics_and_names_them(tiny_models, tmp_path, monkeypatch):
    corpus, other = tmp_path / "corpus.txt", tmp_path / "other.txt"
    corpus.write_text(CORPUS, encoding="utf-8")
    other.write_text(OTHER, encoding="utf-8")
    session, recorder = _session(tiny_models, tmp_path, monkeypatch, corpus=str(corpus))
    key = _ready(session)
    assert key.corpus == str(corpus) and session.clusters.status(key) == "ready"
    ready = [s for s in recorder.statuses if s.get("clusters") == "ready"][-1]
    assert ready["corpus"] == str(corpus) and ready["provenance"]["corpus"] == str(corpus)
    labels = session.clusters.labels(key)

    session.service.statistics("tiny-lstm-lm", [other])  # "Evaluate corpus" on another text
    assert session.cluster_key(session.model(), session.view_for(session.model())) == key
    assert session.clusters.labels(key) is labels

    uri = "file:///notes.txt"
    session.documents.put(uri, 1, TEXT, "plaintext", PositionCodec(types.PositionEncodingKind.Utf16))
    prepared = session.prepare(uri)
    assert prepared is not None and prepared.labels is not None
    data = hover_data(session, prepared, 1)  # "food"
    assert data.provenance is not None and data.provenance.startswith(f"stats {corpus} · ")
    assert render_hover(data, image=False).splitlines()[-1].startswith("_stats ")

    session.configure({"corpus": [str(other)]}, "settings")  # a list of files works too
    other_key = _ready(session)
    assert other_key != key and other_key.corpus == (str(other),)
    # The job stores its labels, then notifies: the status notification may come a moment later.
    _wait_for(lambda: [s for s in recorder.statuses if s.get("clusters") == "ready"][-1]["provenance"]["corpus"]
              == str(other), timeout=10)


def test_a_corpus_setting_of_the_wrong_type_is_named(tiny_models, tmp_path, monkeypatch):
    session, recorder = _session(tiny_models, tmp_path, monkeypatch)
    session.configure({"corpus": 3}, "settings")
    assert session.settings.corpus is None
    assert any("rnnlens.corpus must be a string" in m for m in recorder.messages)



"""First use of a sample model (issue 12 item 6): on an empty cache the language server's startup
path (load the model, pick the statistics, cluster the default view's units) and a hover are
served by the statistics shipped with the sample; no corpus is read or evaluated."""

from __future__ import annotations

from typing import Any

import rnnlens.service as service_module
from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec
from rnnlens.lsp.hover import hover_data
from rnnlens.lsp.session import LensSession
from rnnlens.store.shipped_stats import SHIPPED

from tests.lsp.test_session_statistics import Recorder, _ready

TEXT = "The kitchen was warm and the bread was in the oven .\n"


def test_a_sample_model_gets_glyphs_and_hovers_on_an_empty_cache_without_evaluating(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNLENS_CACHE", str(tmp_path / "cache"))

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the first use read or evaluated a corpus")

    monkeypatch.setattr(service_module, "resolve_corpus", refuse)
    monkeypatch.setattr(service_module.AnalysisService, "_compute_stats", refuse)
    recorder = Recorder()
    session = LensSession(recorder)
    session.configure({"model": "brown-lstm"}, "test")
    key = _ready(session)
    assert session.clusters.status(key) == "ready", session.clusters.status(key)
    ready = [s for s in recorder.statuses if s.get("clusters") == "ready"][-1]
    assert ready["provenance"]["origin"] == SHIPPED and ready["provenance"]["corpus"] == "brown"

    uri = "file:///kitchen.txt"
    session.documents.put(uri, 1, TEXT, "plaintext", PositionCodec(types.PositionEncodingKind.Utf16))
    prepared = session.prepare(uri)
    assert prepared is not None and prepared.labels is not None
    data = hover_data(session, prepared, 1)  # "kitchen"
    assert data.word_count and data.word_count > 0 and data.provenance is not None
    assert data.provenance.endswith(SHIPPED)

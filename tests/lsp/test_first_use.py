"""First use of a sample model (issue 12 item 6): on an empty cache the language server's startup
path (load the model, pick the statistics, cluster the default view's units) and a hover are
served by the statistics shipped with the sample; no corpus is read or evaluated. The default
view's unit labels ship too: the first request gets its glyphs at once, nothing is fitted, and
SciPy (0.4-1.3 s to import, for the co-clustering's assignment step) is never imported."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import rnnlens.service as service_module
from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec
from rnnlens.lsp.hover import hover_data
from rnnlens.lsp.session import LensSession
from rnnlens.store.shipped_stats import SHIPPED

from tests.lsp.conftest import SERVER_ENV
from tests.lsp.recording_notifier import RecordingNotifier
from tests.lsp.test_session_statistics import _ready

REPO = Path(__file__).resolve().parents[2]
TEXT = "The kitchen was warm and the bread was in the oven .\n"


def test_a_sample_model_gets_glyphs_and_hovers_on_an_empty_cache_without_evaluating(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNLENS_CACHE", str(tmp_path / "cache"))

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the first use read or evaluated a corpus")

    monkeypatch.setattr(service_module, "resolve_corpus", refuse)
    monkeypatch.setattr(service_module.AnalysisService, "_compute_stats", refuse)
    recorder = RecordingNotifier()
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


# The language server's first glyphs for a sample model, on an empty cache, in a process of their own.
FIRST_GLYPHS = """
import json, sys
from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec
from rnnlens.lsp.inlay_hints import inlay_hints
from rnnlens.lsp.session import LensSession
from tests.lsp.recording_notifier import RecordingNotifier

recorder = RecordingNotifier()
session = LensSession(recorder)
session.configure({"model": "brown-lstm"}, "test")
session.documents.put("file:///k.txt", 1, TEXT, "plaintext", PositionCodec(types.PositionEncodingKind.Utf16))
prepared = session.prepare("file:///k.txt")  # the first request: its labels are there already
hints = inlay_hints(session, prepared, 0, len(TEXT))
print(json.dumps({"hints": len(hints), "statuses": [s["clusters"] for s in recorder.statuses],
                  "heavy": sorted({m.split(".")[0] for m in sys.modules} & {"scipy", "sklearn", "captum"})}))
""".replace("TEXT", repr(TEXT))


def test_the_first_request_gets_glyphs_without_fitting_or_importing_scipy(tmp_path):
    env = {**SERVER_ENV, "RNNLENS_CACHE": str(tmp_path / "cache")}
    output = subprocess.run([sys.executable, "-c", FIRST_GLYPHS], capture_output=True, text=True, check=True,
                            env=env, cwd=REPO, timeout=120).stdout

    found = json.loads(output)
    assert found["hints"] > 0
    assert found["statuses"] == ["ready"]  # no "computing", so no clustering progress either
    assert found["heavy"] == []

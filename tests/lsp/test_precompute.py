"""Background recomputation after an edit: one job per document, bursts coalesce, and the
lines the client last asked for are ready before its next request."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec
from rnnlens.lsp.incremental import Stale
from rnnlens.lsp.inlay_hints import precompute_lines
from rnnlens.lsp.precompute import Precomputer
from rnnlens.lsp.session import LensSession

from tests.lsp.recording_notifier import RecordingNotifier


def test_a_burst_of_changes_during_a_job_costs_one_more_run_with_the_newest_lines():
    release, started = threading.Event(), threading.Event()
    seen: list[tuple[str, tuple[int, int], bool]] = []

    def work(uri: str, lines: tuple[int, int], superseded) -> None:
        if not seen:
            started.set()
            release.wait(10)
        seen.append((uri, lines, superseded()))
        if len(seen) == 1:
            raise Stale()  # what a job overtaken by an edit raises

    with ThreadPoolExecutor(2) as executor:
        jobs = Precomputer(executor, work)
        jobs.changed("file:///unseen.txt")  # never asked for hints: nothing to precompute
        jobs.remember("file:///a.txt", 10, 70)
        jobs.changed("file:///a.txt")
        assert started.wait(10)
        for line in range(20, 25):  # the client scrolls and types while the first job runs
            jobs.remember("file:///a.txt", line, line + 60)
            jobs.changed("file:///a.txt")
        release.set()
    assert seen == [("file:///a.txt", (10, 70), True), ("file:///a.txt", (24, 84), False)]
    assert jobs.runs == 1


def test_precomputed_lines_leave_nothing_for_the_request_to_run(tiny_models: Path):
    session = LensSession(RecordingNotifier())
    session.configure({"model": "tiny-lstm-lm", "modelPaths": [str(tiny_models)]}, "test")
    uri = "file:///typing.txt"
    text = "the food was good and the staff was helpful .\n" * 40
    codec = PositionCodec(types.PositionEncodingKind.Utf16)
    session.documents.put(uri, 1, text, "plaintext", codec)
    prepared = session.prepare(uri, start_clusters=False)
    assert prepared is not None
    assert precompute_lines(session, prepared, 5, 14) == 10 * 10  # ten lines of ten tokens
    timeline = prepared.timeline
    computed = timeline.tokens_computed
    assert 150 <= computed < 40 * 10  # up to line 14's chunk, not the whole document
    chunks = timeline.chunks_for(50, 150)
    assert timeline.tokens_computed == computed and chunks[0].start <= 50 and chunks[-1].end >= 150

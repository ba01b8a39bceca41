"""Stream fixtures: a real analysis service over tiny saved models, a real server, real clients."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from rnnlens.errors import Cancelled
from rnnlens.models.registry import ModelRegistry
from rnnlens.service import AnalysisService
from rnnlens.stream import StreamServer, start_stream
from rnnlens.stream.handlers import HANDLERS

CORPUS = ("the food is not good . the staff was very helpful ! i love it but the movie was terrible .\n"
          "a great movie , though the food was bad . the staff is not very good ?\n") * 12
MODELS = ("tiny-lstm-lm", "tiny-gru-lm")


@pytest.fixture(scope="session")
def service(tiny_models: Path, tmp_path_factory: pytest.TempPathFactory) -> AnalysisService:
    """Tiny models, evaluated on a small planted corpus so co-clustering and details work."""
    root = tmp_path_factory.mktemp("stream-service")
    corpus = root / "corpus.txt"
    corpus.write_text(CORPUS, encoding="utf-8")
    analysis = AnalysisService(ModelRegistry([tiny_models], include_samples=False), cache_root=root / "cache",
                               corpus=[corpus])  # chosen, as `rnnlens serve --corpus` does
    for name in MODELS:
        analysis.statistics(name)
    return analysis


SETTINGS = {"model": "tiny-lstm-lm", "clusters": 3}


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def stream(service: AnalysisService) -> AsyncIterator[StreamServer]:
    reveals: list[tuple[str, int, int]] = []
    server = await start_stream(service, lambda: dict(SETTINGS), on_reveal=lambda u, s, e: reveals.append((u, s, e)))
    server.reveals = reveals  # type: ignore[attr-defined]
    yield server
    await server.close()


class SlowWork:
    """A stand-in for a long analysis (a real one on tiny models is too quick to cancel): it reports
    progress until released or cancelled, and records what it saw."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.started = threading.Event()
        self.cancelled_seen = threading.Event()
        self.reports = 0

    def __call__(self, service, message, ctx):
        self.started.set()
        while not self.release.wait(0.005):
            self.reports += 1
            ctx.progress(min(self.reports / 1000, 1.0), f"step {self.reports}")
            if ctx.cancelled():
                self.cancelled_seen.set()
                raise Cancelled("cancelled")
        return {"type": "cocluster_view", "id": message["id"], "view": None}


@pytest.fixture
def slow_handler(monkeypatch: pytest.MonkeyPatch) -> SlowWork:
    """cocluster_request answered by SlowWork for the duration of one test."""
    work = SlowWork()
    monkeypatch.setitem(HANDLERS, "cocluster_request", work)
    yield work
    work.release.set()

"""Benchmark: the language server's incremental states against recomputing the whole document.

    .venv/bin/python benchmarks/lsp_bench.py [--model brown-lstm] [--model-path DIR] [--words 5000]

Through a real LSP client over stdio (pygls' LanguageClient driving `rnnlens lsp`), on a
document of about 5,000 words of held-out Brown text wrapped at 72 columns:
  - inlay hints for a 60-line visible range right after an edit in the middle of the document;
  - warm hover at random words (the document's states were computed once before).
The baseline is the same server with `rnnlens.incremental: false`: every request retokenises
and recomputes the whole document (one trace call), the way a server without checkpoints
would. Both run in the same process on the same document. The one-time clustering warm-up
(evaluation of the model's corpus, then cached on disk) is printed apart and not timed.
Targets (issue #4): inlay after an edit >= 10x faster than the baseline (p50 against p50);
warm hover p95 <= 1/20 of the baseline's p50.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import textwrap
import time
from collections.abc import Awaitable, Callable
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from rnnlens.data.corpora import load_corpus
from rnnlens.data.tokenizer import tokenize

URI = "file:///tmp/rnnlens-bench/document.txt"
VISIBLE_LINES = 60


def document_text(words: int) -> str:
    """About `words` words of held-out Brown text, as paragraphs wrapped at 72 columns."""
    paragraphs, count = [], 0
    for document in load_corpus("brown").split("test"):
        for paragraph in document.text.split("\n"):
            n = sum(1 for t in tokenize(paragraph) if t.is_word)
            if n == 0:
                continue
            paragraphs.append(textwrap.fill(paragraph, 72))
            count += n
            if count >= words:
                return "\n\n".join(paragraphs) + "\n"
    raise SystemExit("the Brown corpus is too small for the requested document")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def summary(name: str, values: list[float]) -> str:
    return f"{name:<34} p50 {percentile(values, 0.5):8.1f} ms   p95 {percentile(values, 0.95):8.1f} ms   (n={len(values)})"


async def timed(call: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = await call()
    return (time.perf_counter() - started) * 1000, result


class Bench:
    def __init__(self, client: LanguageClient, text: str):
        self.client = client
        self.text = text
        self.lines = text.split("\n")
        self.version = 1
        self.statuses: list[dict[str, Any]] = []

    def edit_middle(self, flip: bool) -> int:
        """Replace the first word of the middle line by another word; returns the line."""
        line = len(self.lines) // 2
        while not self.lines[line].strip():
            line += 1
        old = self.lines[line].split(" ")[0]
        new = "the" if not flip else "a"
        self.lines[line] = new + self.lines[line][len(old):]
        self.version += 1
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=URI, version=self.version),
            content_changes=[types.TextDocumentContentChangePartial(
                range=types.Range(types.Position(line, 0), types.Position(line, len(old))), text=new)]))
        return line

    def inlay(self, first: int, last: int) -> Awaitable[Any]:
        return self.client.text_document_inlay_hint_async(types.InlayHintParams(
            text_document=types.TextDocumentIdentifier(uri=URI),
            range=types.Range(types.Position(first, 0), types.Position(last, 0))))

    def hover(self, line: int, character: int) -> Awaitable[Any]:
        return self.client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=URI), position=types.Position(line, character)))

    def word_positions(self, count: int, seed: int) -> list[tuple[int, int]]:
        rng = random.Random(seed)
        spots = [(i, len(line[:t.start].encode("utf-16-le")) // 2) for i, line in enumerate(self.lines)
                 for t in tokenize(line) if t.is_word]
        return [rng.choice(spots) for _ in range(count)]

    def configure(self, settings: dict[str, Any]) -> None:
        self.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
            settings={"rnnlens": settings}))

    async def inlay_after_edits(self, repeats: int) -> list[float]:
        times = []
        for index in range(repeats):
            line = self.edit_middle(flip=index % 2 == 1)
            first = max(0, line - VISIBLE_LINES // 2)
            elapsed, hints = await timed(lambda first=first: self.inlay(first, first + VISIBLE_LINES))
            assert hints, "no inlay hints came back"
            times.append(elapsed)
        return times

    async def hovers(self, positions: list[tuple[int, int]]) -> list[float]:
        times = []
        for line, character in positions:
            elapsed, result = await timed(lambda line=line, character=character: self.hover(line, character))
            assert result is not None, f"no hover at {line}:{character}"
            times.append(elapsed)
        return times


async def run(args: argparse.Namespace) -> int:
    text = document_text(args.words)
    words = sum(1 for t in tokenize(text) if t.is_word)
    client = LanguageClient("rnnlens-bench", "1")
    statuses: list[dict[str, Any]] = []

    @client.feature("rnnlens/status")
    def on_status(ls: LanguageClient, params: Any) -> None:  # pygls injects the client only as `ls`
        # pygls hands custom notification params over as namedtuples
        statuses.append(params._asdict() if hasattr(params, "_asdict") else dict(params))

    @client.feature(types.WINDOW_SHOW_MESSAGE)
    def on_message(ls: LanguageClient, params: types.ShowMessageParams) -> None:
        if params.type == types.MessageType.Error:
            print(f"server: {params.message}", file=sys.stderr)

    await client.start_io(sys.executable, "-m", "rnnlens", "lsp")
    options = {"model": args.model, "modelPaths": args.model_path, "inlayHints": {"density": "all"},
               "maxDocumentSize": 10_000_000}
    await client.initialize_async(types.InitializeParams(capabilities=types.ClientCapabilities(),
                                                         initialization_options=options))
    client.initialized(types.InitializedParams())
    bench = Bench(client, text)
    print(f"document: {words:,} words, {len(text):,} characters, {len(bench.lines):,} lines; model {args.model}")

    started = time.perf_counter()
    while not any(s.get("clusters") == "ready" for s in statuses):
        if any(s.get("clusters") == "failed" for s in statuses):
            raise SystemExit(f"clustering failed: {statuses[-1]}")
        await asyncio.sleep(0.2)
    print(f"one-time cluster warm-up (evaluation + co-clustering, cached afterwards): {time.perf_counter() - started:.1f} s")
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=URI, language_id="plaintext", version=1, text=text)))
    await bench.hovers(bench.word_positions(2, seed=1))  # loads explanations and parts of speech once (shared by both modes)

    bench.configure({"incremental": False})
    await asyncio.sleep(0.5)
    baseline_inlay = await bench.inlay_after_edits(args.baseline_repeats)
    baseline_hover = await bench.hovers(bench.word_positions(args.baseline_repeats, seed=2))

    bench.configure({"incremental": True})
    await asyncio.sleep(0.5)
    elapsed, _ = await timed(lambda: bench.inlay(0, len(bench.lines) + 1))  # computes the whole document once
    print(f"first full pass (incremental server, whole document): {elapsed:.0f} ms")
    incremental_inlay = await bench.inlay_after_edits(args.repeats)
    warm_hover = await bench.hovers(bench.word_positions(args.hovers, seed=3))

    print(summary("baseline inlay (60 lines, edited)", baseline_inlay))
    print(summary("incremental inlay (60 lines, edited)", incremental_inlay))
    print(summary("baseline hover", baseline_hover))
    print(summary("warm hover", warm_hover))
    inlay_ratio = percentile(baseline_inlay, 0.5) / percentile(incremental_inlay, 0.5)
    hover_ratio = percentile(baseline_hover, 0.5) / percentile(warm_hover, 0.95)
    print(f"inlay after edit: {inlay_ratio:.1f}x faster than the baseline (target >= 10x) "
          f"{'PASS' if inlay_ratio >= 10 else 'FAIL'}")
    print(f"warm hover p95 = 1/{hover_ratio:.1f} of the baseline p50 (target <= 1/20) "
          f"{'PASS' if hover_ratio >= 20 else 'FAIL'}")
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return 0 if inlay_ratio >= 10 and hover_ratio >= 20 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="brown-lstm")
    parser.add_argument("--model-path", action="append", default=[], help="extra model folders")
    parser.add_argument("--words", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=30, help="incremental measurements")
    parser.add_argument("--baseline-repeats", type=int, default=10, help="baseline measurements")
    parser.add_argument("--hovers", type=int, default=100, help="warm hovers")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())

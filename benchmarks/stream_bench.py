"""Panel stream benchmark: the full co-clustering view of a 2-layer, 1,500-unit model with 20 clusters
and 300 words, as our msgpack protocol against the same data as JSON.

    .venv/bin/python benchmarks/stream_bench.py [--repeats 30]

A real (untrained, synthetic) RNN of that size is saved, evaluated on a synthetic corpus and
co-clustered by the real AnalysisService; the view is the real stream's answer. Reported:
- size: msgpack frame / JSON text of the same message (arrays as number lists), target <= 0.25;
- encode + send + decode on loopback websockets, median over repeats, msgpack vs JSON (the same
  websockets library on both sides, the server encoding per request, the client decoding);
- the whole stream path: cocluster_request -> real StreamServer (memoised analysis) -> decoded view.
Baselines are measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from rnnlens.data.vocabulary import Vocabulary
from rnnlens.models.config import ModelConfig
from rnnlens.models.network import RecurrentModel
from rnnlens.models.registry import ModelRegistry
from rnnlens.models.storage import save_model
from rnnlens.protocol import decode_message, encode_message
from rnnlens.service import AnalysisService
from rnnlens.stream import start_stream
from websockets.asyncio.client import connect
from websockets.asyncio.server import serve

LAYERS, UNITS, CLUSTERS, WORDS = 2, 1500, 20, 300
VOCAB = 400


def build_service(root: Path) -> AnalysisService:
    """A 2 x 1,500-unit vanilla RNN language model over 400 words, evaluated on 3,000 synthetic tokens."""
    torch.manual_seed(0)
    syllables = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
    words = [a + b for a in syllables for b in syllables][:VOCAB]  # letters only: the tokenizer keeps them
    vocab = Vocabulary.from_tokens(words)
    config = ModelConfig(cell="rnn", task="lm", vocab_size=len(vocab), embed_size=64, hidden_size=UNITS,
                         num_layers=LAYERS)
    save_model(root / "bench-rnn", RecurrentModel(config).eval(), vocab, card={"name": "bench-rnn"})
    rng = np.random.default_rng(0)
    # Zipf-like frequencies so that 300 words occur often enough to be co-clustered.
    weights = 1.0 / np.arange(1, VOCAB + 1) ** 0.6
    tokens = rng.choice(words, size=3000, p=weights / weights.sum())
    corpus = root / "corpus.txt"
    corpus.write_text("\n".join(" ".join(tokens[i:i + 20]) for i in range(0, len(tokens), 20)), encoding="utf-8")
    service = AnalysisService(ModelRegistry([root], include_samples=False), cache_root=root / "cache",
                              corpus=[corpus])  # the statistics every view uses (rnnlens serve --corpus)
    service.statistics("bench-rnn")
    return service


def as_json_data(value: Any) -> Any:
    """The same message for a JSON wire: arrays as (nested) number lists."""
    if isinstance(value, np.ndarray):
        return value.astype(np.float64 if value.dtype.kind == "f" else np.int64).tolist()
    if isinstance(value, dict):
        return {k: as_json_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json_data(v) for v in value]
    return value


async def round_trips(encode: Any, decode: Any, repeats: int) -> list[float]:
    """Client asks, server encodes and sends, client decodes; seconds per round trip."""

    async def answer(websocket: Any) -> None:
        async for _ in websocket:
            await websocket.send(encode())

    async with serve(answer, "127.0.0.1", 0, max_size=None, compression=None) as server:
        port = server.sockets[0].getsockname()[1]
        async with connect(f"ws://127.0.0.1:{port}", max_size=None, compression=None) as ws:
            times = []
            for _ in range(repeats + 2):
                start = time.perf_counter()
                await ws.send(b"go")
                decode(await ws.recv())
                times.append(time.perf_counter() - start)
    return times[2:]  # the first two warm up


async def stream_round_trips(service: AnalysisService, request: dict[str, Any], repeats: int) -> list[float]:
    server = await start_stream(service, dict)
    try:
        async with connect(server.url, max_size=None) as ws:
            decode_message(await ws.recv())  # hello
            times = []
            for i in range(repeats + 2):
                start = time.perf_counter()
                await ws.send(encode_message({**request, "id": i}))
                while (answer := decode_message(await ws.recv()))["type"] == "progress":
                    pass
                assert answer["type"] == "cocluster_view", answer
                times.append(time.perf_counter() - start)
    finally:
        await server.close()
    return times[2:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        service = build_service(Path(tmp))
        request = {"type": "cocluster_request", "model": "bench-rnn", "layer": 2, "state": "h", "k": CLUSTERS,
                   "n_words": WORDS}
        stream_times = asyncio.run(stream_round_trips(service, request, args.repeats))
        setup = time.perf_counter() - started

        # The message exactly as the stream sends it (built by the real handler).
        from rnnlens.stream.handlers import RequestContext, cocluster

        message = cocluster(service, {**request, "id": 1}, RequestContext(lambda f, m: None, lambda: False, None))
        view = message["view"]
        frame = encode_message(message)
        text = json.dumps(as_json_data(message), separators=(",", ":"))

        def msgpack_encode() -> bytes:
            return encode_message(message)

        def json_encode() -> str:
            return json.dumps(as_json_data(message), separators=(",", ":"))

        msgpack_times = asyncio.run(round_trips(msgpack_encode, decode_message, args.repeats))
        json_times = asyncio.run(round_trips(json_encode, json.loads, args.repeats))

        # The same view without the (N, H) responses, to show what the small arrays alone give.
        slim = {**message, "view": {**view, "responses": None}}
        slim_ratio = len(encode_message(slim)) / len(json.dumps(as_json_data(slim), separators=(",", ":")))

    size_ratio = len(frame) / len(text.encode())
    mp, js, st = (statistics.median(t) * 1000 for t in (msgpack_times, json_times, stream_times))
    print(f"view: layer {view['layer']} of {LAYERS}, {view['hidden_size']} units, k={view['k']}, "
          f"{len(view['words'])} words, responses {view['responses'].shape} {view['responses'].dtype}")
    print(f"setup (save, evaluate, co-cluster): {setup:.1f} s")
    print(f"size: msgpack {len(frame):,} B, JSON {len(text.encode()):,} B, ratio {size_ratio:.3f} (target <= 0.25)")
    print(f"  (without the responses matrix: ratio {slim_ratio:.3f}; int32 labels are no smaller than JSON digits)")
    print(f"encode+send+decode on loopback, median of {args.repeats}: msgpack {mp:.2f} ms, JSON {js:.2f} ms, "
          f"ratio {mp / js:.3f}")
    print(f"whole stream path (cocluster_request -> StreamServer -> decoded view): {st:.2f} ms median")
    print(f"size target {'met' if size_ratio <= 0.25 else 'MISSED'}")


if __name__ == "__main__":
    main()

"""Benchmark: is evaluation's memory flat in corpus length when the corpus is streamed?

    .venv/bin/python benchmarks/stream_corpus_bench.py [--tokens 10000000 100000000] [--model tiny|brown-lstm]

Data: a synthetic corpus made by repeating Brown's documents (in order) until it holds the
asked number of tokens, written once as gzipped JSON Lines (`{"text": ...}` a line) under
--folder. Each size is evaluated in a fresh process through the service's own evaluation path
(`resolve_corpus`: one streaming pass for the content hash; then counting and tracing passes
that read, tokenise and encode documents lazily), without the pattern index, which keeps
O(tokens) bits by design. The process reports its peak resident set size before and after the
evaluation, the time, and the tokens evaluated.

`--model tiny` (default) is brown-lstm's vocabulary with an untrained 2 x 16 LSTM, so the trace
is cheap and the run measures the stream (reading, tokenising, batching, accumulating); the
accumulator is vocabulary x units either way. Target (issue 15): peak memory flat from the
smaller to the larger corpus (within 10 %).
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def peak_rss_mb() -> float:
    """Peak resident set size since the last reset_peak() (Linux VmHWM), else since the start."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak() -> None:
    """Start the peak afresh (Linux: writing 5 to clear_refs resets VmHWM), so loading's peak is not counted."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def tiny_model(folder: Path) -> Path:
    """brown-lstm's vocabulary with an untrained 2 x 16 LSTM (saved once)."""
    import torch
    from rnnlens.models.config import ModelConfig
    from rnnlens.models.network import RecurrentModel
    from rnnlens.models.registry import ModelRegistry
    from rnnlens.models.storage import save_model

    path = folder / "tiny-brown-lstm"
    if (path / "card.json").exists():
        return path
    vocab = ModelRegistry([]).get("brown-lstm").vocab
    torch.manual_seed(0)
    config = ModelConfig(cell="lstm", task="lm", vocab_size=len(vocab), embed_size=16, hidden_size=16, num_layers=2,
                         tie_weights=True)
    save_model(path, RecurrentModel(config).eval(), vocab,
               card={"name": "tiny-brown-lstm", "test_metric": {"name": "none", "value": None}})
    return path


def synthetic_corpus(folder: Path, tokens: int) -> Path:
    """Brown repeated to about `tokens` whitespace tokens, as gzipped JSON Lines (written once)."""
    from rnnlens.data.corpora import load_corpus

    path = folder / f"brown-repeated-{tokens}.jsonl.gz"
    if path.exists():
        return path
    texts = [d.text for d in load_corpus("brown").documents]
    sizes = [len(t.split()) for t in texts]
    written = 0
    partial = path.with_suffix(".partial")
    with gzip.open(partial, "wt", compresslevel=1) as handle:
        while written < tokens:
            for text, size in zip(texts, sizes, strict=True):
                handle.write(json.dumps({"text": text}) + "\n")
                written += size
                if written >= tokens:
                    break
    partial.rename(path)
    return path


def child(model_path: str, corpus: str) -> None:
    """One evaluation in this fresh process; prints a JSON line."""
    import torch
    from rnnlens.models.registry import ModelRegistry
    from rnnlens.service import AnalysisService
    from rnnlens.store.corpus_source import resolve_corpus

    torch.set_num_threads(1)
    registry = ModelRegistry([model_path])
    model = registry.get(Path(model_path).name if Path(model_path).exists() else model_path)
    service = AnalysisService(registry, cache_root=Path(tempfile.mkdtemp()))
    import gc

    gc.collect()
    reset_peak()
    before = peak_rss_mb()
    started, cpu_started = time.perf_counter(), time.process_time()
    source = resolve_corpus(corpus)
    hashed = time.perf_counter() - started
    stats = service._compute_stats(model, source, None, None)  # the service's path, without the pattern index
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    print(json.dumps({"tokens": int(stats.tokens), "seconds": round(elapsed, 1), "cpu_seconds": round(cpu, 1),
                      "hash_seconds": round(hashed, 1),
                      "rss_before_mb": round(before, 1), "peak_rss_mb": round(peak_rss_mb(), 1)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, nargs="+", default=[10_000_000, 100_000_000])
    parser.add_argument("--model", default="tiny", help="tiny (2 x 16 LSTM on Brown's vocabulary) or a model name")
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()) / "rnnlens-stream-bench")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    args.folder.mkdir(parents=True, exist_ok=True)
    model = str(tiny_model(args.folder)) if args.model == "tiny" else args.model
    rows = []
    for tokens in args.tokens:
        corpus = synthetic_corpus(args.folder, tokens)
        out = subprocess.run([sys.executable, __file__, "--child", model, str(corpus)], capture_output=True,
                             text=True, check=True)
        row = json.loads(out.stdout.strip().splitlines()[-1])
        row["file_mb"] = round(corpus.stat().st_size / 1e6, 1)
        rows.append(row)
        print(f"{row['tokens']:>12,} tokens ({row['file_mb']} MB gzipped JSON Lines): {row['seconds']} s "
              f"({row['tokens'] / row['seconds']:,.0f} tokens/s, {row['tokens'] / row['cpu_seconds']:,.0f} per CPU second; "
              f"hash pass {row['hash_seconds']} s), "
              f"peak RSS {row['peak_rss_mb']} MB (after loading {row['rss_before_mb']} MB)", flush=True)
    if len(rows) > 1:
        growth = rows[-1]["peak_rss_mb"] / rows[0]["peak_rss_mb"] - 1
        ratio = rows[-1]["tokens"] / rows[0]["tokens"]
        print(f"peak memory {ratio:.0f}x the tokens: {growth:+.1%} ({'PASS' if abs(growth) <= 0.10 else 'FAIL'}, "
              f"target within 10 %)")


if __name__ == "__main__":
    main()

"""Benchmark: does accumulating expected responses cost little next to trace capture, and is
its memory independent of corpus length?

    .venv/bin/python benchmarks/evaluate_bench.py [--model brown-lstm] [--tokens 1000000] [--repeats 2]

Data: Brown (fetched on first use), documents in corpus order, encoded with the model's
vocabulary, cut to `--tokens` tokens. Both measurements start from the same encoded ids and
the same length-sorted batches and windows (tokenisation is outside both):
  (a) trace capture alone: `LoadedModel.trace` of every window, states carried, nothing kept
  (b) full evaluation: the count pass, trace capture, responses, Welford/Chan accumulation for
      every layer and state kind, and the percentile sketches (`evaluate_documents`)
Throughput is tokens per second, best of the repeats, (a) and (b) interleaved.
Memory: (b) runs in fresh subprocesses for --tokens/10 and --tokens tokens; each reports its
peak resident set size and the growth of the peak during the evaluation.
Targets (issue #3): throughput (b)/(a) >= 0.8; peak memory at 1M vs 100k tokens within 10 %.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np
import torch
from rnnlens.analysis.evaluation import batches, evaluate_documents, trace_batch
from rnnlens.models.loaded import LoadedModel
from rnnlens.models.registry import ModelRegistry


def encoded_brown(model: LoadedModel, tokens: int) -> list[np.ndarray]:
    from rnnlens.data.corpora import load_corpus

    docs: list[np.ndarray] = []
    total = 0
    for doc in load_corpus("brown").documents:
        ids = np.asarray(model.encode(model.tokenize(doc.text)), dtype=np.int32)
        ids = ids[: tokens - total]
        docs.append(ids)
        total += len(ids)
        if total >= tokens:
            break
    if total < tokens:
        raise SystemExit(f"Brown has only {total} tokens for this model; ask for fewer")
    return docs


def trace_only(model: LoadedModel, docs: list[np.ndarray]) -> None:
    for batch in batches(iter(docs)):
        trace_batch(model, batch, [], None)


def rss_kib() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * resource.getpagesize() // 1024


def memory_child(model_name: str, model_paths: list[str], tokens: int) -> None:
    """Run in a subprocess: evaluate `tokens` tokens, print peak RSS figures as JSON."""
    model = ModelRegistry(model_paths).get(model_name)
    docs = encoded_brown(model, tokens)
    before = rss_kib()
    evaluate_documents(model, lambda: iter(docs))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"tokens": tokens, "peak_mib": peak / 1024, "growth_mib": (peak - before) / 1024}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="brown-lstm")
    parser.add_argument("--model-path", action="append", default=[], help="extra model folders (as the CLI)")
    parser.add_argument("--tokens", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument("--memory-child", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.memory_child:
        memory_child(args.model, args.model_path, args.memory_child)
        return 0

    model = ModelRegistry(args.model_path).get(args.model)
    docs = encoded_brown(model, args.tokens)
    total = sum(len(d) for d in docs)
    print(f"model {args.model} ({model.cell}, {model.num_layers}x{model.hidden_size}), {total:,} Brown tokens "
          f"in {len(docs)} documents, torch threads {torch.get_num_threads()}")
    warm = docs[:2]
    trace_only(model, warm)  # first calls pay for torch's lazy set-up; keep it out of both figures
    evaluate_documents(model, lambda: iter(warm))
    wall = [np.inf, np.inf]
    cpu = [np.inf, np.inf]
    for repeat in range(args.repeats):
        for which in ((0, 1) if repeat % 2 == 0 else (1, 0)):  # alternate which runs first
            w0, c0 = time.perf_counter(), time.process_time()
            if which == 0:
                trace_only(model, docs)
            else:
                evaluate_documents(model, lambda: iter(docs))
            wall[which] = min(wall[which], time.perf_counter() - w0)
            cpu[which] = min(cpu[which], time.process_time() - c0)
    ratio, cpu_ratio = wall[0] / wall[1], cpu[0] / cpu[1]
    for which, label in ((0, "(a) trace capture alone"), (1, "(b) full evaluation    ")):
        print(f"{label}: {total / wall[which]:10,.0f} tokens/s wall ({wall[which]:.1f} s), "
              f"{total / cpu[which]:10,.0f} tokens/s of CPU time ({cpu[which]:.1f} s)")
    print(f"throughput (b)/(a) = {ratio:.3f} wall, {cpu_ratio:.3f} CPU time  "
          f"{'ok' if ratio >= 0.8 else 'MISSED'} (target >= 0.8; on a shared machine the CPU-time ratio "
          f"is the steadier figure)")

    figures = []
    for tokens in (args.tokens // 10, args.tokens):
        out = subprocess.run([sys.executable, __file__, "--model", args.model, "--memory-child", str(tokens),
                              "--threads", str(args.threads),
                              *[f"--model-path={p}" for p in args.model_path]], capture_output=True, text=True, check=True)
        figures.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(f"memory at {tokens:>9,} tokens: peak RSS {figures[-1]['peak_mib']:.0f} MiB, "
              f"growth during evaluation {figures[-1]['growth_mib']:.0f} MiB")
    spread = figures[1]["peak_mib"] / figures[0]["peak_mib"] - 1
    print(f"peak memory {args.tokens:,} vs {args.tokens // 10:,} tokens: {spread:+.1%}  "
          f"{'ok' if abs(spread) <= 0.10 else 'MISSED'} (target within 10 %)")
    return 0 if ratio >= 0.8 and abs(spread) <= 0.10 else 1


if __name__ == "__main__":
    raise SystemExit(main())

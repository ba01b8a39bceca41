"""Benchmark: evaluation on 2 Ray workers against one in-process evaluation of the same tokens.

    .venv/bin/python benchmarks/ray_evaluate_bench.py [--model brown-lstm] [--tokens 1000000] [--workers 2]

Data: Brown documents in corpus order, encoded with the model's vocabulary, cut to --tokens
(tokenisation is outside both measurements; see --tokenise for its own rate). Both runs start
from the same encoded ids and trace the same batches:
  (a) `evaluate_documents` in a fresh process, one torch thread
  (b) `evaluate_on_ray` with --workers actors (one torch thread each) on a local cluster started
      before the clock (its start-up is reported apart), the driver in this process
Reported: tokens per second of each and their ratio (target >= 1.6x for 2 workers on a 2-core
machine; like (a)'s clock, which starts after its process imported torch and loaded the model, the
ratio leaves out the actors' start-up the driver's counting pass did not hide; the ratios counting
it, and counting both sides' start-ups, are printed too), the merge (fetching the actors' raw sums and sketches and adding them; an actor that is done
gives its part while the others finish, so its cost is the time left after the last batch) as a
share of (b)'s time (target <= 2 %), each actor's peak resident memory against (a)'s, and the largest
relative difference of the merged means from (a)'s (counts must be equal).
With --patterns both also build the pattern index, as `rnnlens evaluate` does (the workers' parts
travel with their statistics); the two indexes must be equal.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
from rnnlens.analysis import evaluation
from rnnlens.analysis.evaluation import evaluate_documents
from rnnlens.analysis.pattern_index import PatternIndexBuilder
from rnnlens.analysis.ray_evaluation import OBJECT_STORE_BYTES, RayOptions, RayReport, evaluate_on_ray
from rnnlens.models.registry import ModelRegistry
from rnnlens.service import pattern_states


def encoded_brown(model, tokens: int) -> list[np.ndarray]:
    from rnnlens.data.corpora import load_corpus

    docs, total = [], 0
    for doc in load_corpus("brown", ).documents:
        ids = np.asarray(model.encode(model.tokenize(doc.text)), dtype=np.int32)[: tokens - total]
        docs.append(ids)
        total += len(ids)
        if total >= tokens:
            break
    return docs


def child(model_name: str, docs_path: str, out_path: str, batch_tokens: str, patterns: str) -> None:
    evaluation.BATCH_TOKENS = int(batch_tokens)
    torch.set_num_threads(1)
    model = ModelRegistry([]).get(model_name)
    with open(docs_path, "rb") as handle:
        docs = pickle.load(handle)
    builder = PatternIndexBuilder(pattern_states(model)) if patterns == "1" else None
    started = time.perf_counter()
    stats = evaluate_documents(model, lambda: iter(docs), patterns=builder)
    bits = {f"bits.{n}": b for n, b in builder.finish(len(docs)).bits.items()} if builder is not None else {}
    seconds = time.perf_counter() - started
    np.savez(out_path, count=stats.count, **{f"mean.{n}": v for n, v in stats.mean.items()}, **bits)
    print(json.dumps({"seconds": seconds, "tokens": int(stats.tokens),
                      "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="brown-lstm")
    parser.add_argument("--tokens", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--tokenise", action="store_true", help="also time tokenising + encoding the tokens")
    parser.add_argument("--batch-tokens", type=int, default=evaluation.BATCH_TOKENS,
                        help=f"padded tokens a trace call (default {evaluation.BATCH_TOKENS}); smaller batches make "
                             f"more, smaller tasks for the workers")
    parser.add_argument("--patterns", action="store_true",
                        help="both build the pattern index too, as rnnlens evaluate does (the two must be equal)")
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    import ray

    evaluation.BATCH_TOKENS = args.batch_tokens
    torch.set_num_threads(1)
    model = ModelRegistry([]).get(args.model)
    started = time.perf_counter()
    docs = encoded_brown(model, args.tokens)
    tokenise_s = time.perf_counter() - started
    tokens = sum(len(d) for d in docs)
    folder = tempfile.mkdtemp()
    docs_path, single_path = os.path.join(folder, "docs.pkl"), os.path.join(folder, "single.npz")
    with open(docs_path, "wb") as handle:
        pickle.dump(docs, handle)
    print(f"{args.model}: {tokens:,} Brown tokens in {len(docs)} documents "
          f"(tokenised and encoded in {tokenise_s:.1f} s, {tokens / tokenise_s:,.0f} tokens/s)", flush=True)

    launched = time.perf_counter()
    out = subprocess.run([sys.executable, __file__, "--child", args.model, docs_path, single_path,
                          str(args.batch_tokens), "1" if args.patterns else "0"],
                         capture_output=True, text=True, check=True)
    single_wall = time.perf_counter() - launched
    single = json.loads(out.stdout.strip().splitlines()[-1])
    single_startup = single_wall - single["seconds"]  # Python, import torch, load the model and the ids
    print(f"(a) one process:   {single['seconds']:.1f} s, {tokens / single['seconds']:,.0f} tokens/s, "
          f"peak RSS {single['peak_rss'] / 2**20:.0f} MB (its start-up: {single_startup:.1f} s more)", flush=True)

    started = time.perf_counter()
    ray.init(num_cpus=args.workers, include_dashboard=False, log_to_driver=False,
             object_store_memory=OBJECT_STORE_BYTES)
    startup_s = time.perf_counter() - started
    try:
        report = RayReport()
        builder = PatternIndexBuilder(pattern_states(model)) if args.patterns else None
        started = time.perf_counter()
        merged = evaluate_on_ray(model, lambda: iter(docs), RayOptions(workers=args.workers), report=report,
                                 patterns=builder)
        index = builder.finish(len(docs)) if builder is not None else None
        seconds = time.perf_counter() - started
    finally:
        ray.shutdown()
    rss = ", ".join(f"{r / 2**20:.0f}" for r in report.worker_rss)
    print(f"(b) {args.workers} Ray workers: {seconds:.1f} s, {tokens / seconds:,.0f} tokens/s "
          f"(cluster start-up {startup_s:.1f} s apart; with it {tokens / (seconds + startup_s):,.0f} tokens/s), "
          f"{report.batches} batches; of which actor start-up {report.startup_s:.1f} s, trace {report.trace_s:.1f} s, "
          f"merge {report.merge_s:.2f} s; worker peak RSS {rss} MB", flush=True)
    reference = np.load(single_path)
    assert np.array_equal(reference["count"], merged.count), "counts differ"
    if index is not None:
        for name, bits in index.bits.items():
            assert np.array_equal(reference[f"bits.{name}"], bits), f"pattern bits of {name} differ"
        print(f"pattern index: {index.tokens:,} tokens, {sum(b.nbytes for b in index.bits.values()) / 2**20:.0f} MB, "
              f"equal to (a)'s", flush=True)
    worst, worst_at = 0.0, ""
    largest_absolute = 0.0
    for name, mean in merged.mean.items():
        ref = reference[f"mean.{name}"]
        scale = np.maximum(np.abs(ref), 1e-6)
        relative = np.abs(mean - ref) / scale
        at = np.unravel_index(int(np.argmax(relative)), relative.shape)
        if relative[at] > worst:
            worst = float(relative[at])
            worst_at = (f" ({name} row {at[0]} unit {at[1]}: {float(mean[at]):.9g} vs {float(ref[at]):.9g}, "
                        f"count {int(merged.count[at[0]])})")
        largest_absolute = max(largest_absolute, float(np.max(np.abs(mean - ref))))
    # Throughput compares the evaluation work: (a)'s clock starts once its process has imported
    # torch and loaded the model, so (b)'s leaves out the same for its actors (what of it the
    # driver's counting pass did not hide). Both start-ups counted is printed too.
    steady = single["seconds"] / (seconds - report.startup_s)
    with_actors = single["seconds"] / seconds
    whole = single_wall / (startup_s + seconds)
    merge_share = report.merge_s / seconds
    print(f"throughput b/a {steady:.2f}x ({'PASS' if steady >= 1.6 else 'FAIL'}, target >= 1.6x; start-ups left "
          f"out on both sides); {with_actors:.2f}x counting the actors' start-up only; {whole:.2f}x counting both "
          f"start-ups (a: process, b: cluster and actors); merge {report.merge_s:.2f} s after the last batch "
          f"(fetching and adding the parts {report.merge_work_s:.2f} s in all, partly while the last batches ran) "
          f"= {merge_share:.1%} of (b) "
          f"({'PASS' if merge_share <= 0.02 else 'FAIL'}, target <= 2 %); counts equal; largest relative "
          f"difference of a mean {worst:.1e}{worst_at}, largest absolute {largest_absolute:.1e}")


if __name__ == "__main__":
    main()

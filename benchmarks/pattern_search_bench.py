"""Benchmark: pattern search (issue 14) against the evaluation that builds its index.

    .venv/bin/python benchmarks/pattern_search_bench.py [--model brown-lstm] [--tokens 1000000] [--queries 20]

Data: Brown in corpus order, encoded with the model's vocabulary, cut to `--tokens` tokens (as
evaluate_bench.py). In one run, interleaved over `--repeats` (best of each):
  (a) evaluation alone: `evaluate_documents` (count pass, trace, responses, sketches)
  (b) evaluation that also builds the pattern index (every layer's default state binarised at
      every indexed threshold, packed, sorted into corpus order)
then `--queries` queries on (b)'s index: spans of 2-8 tokens drawn at random from the corpus,
their hypothesis at the automatic threshold (pattern_search.select on the span's own document),
matched over every token (`match_units`, top 20). Targets: (b) at most 1.2x (a); a query's median
time at most 2 % of (b)'s time.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch
from rnnlens.analysis.evaluation import evaluate_documents
from rnnlens.analysis.pattern_index import INDEX_THRESHOLDS, PatternIndexBuilder
from rnnlens.analysis.pattern_match import hypothesis_units, match_units
from rnnlens.models.registry import ModelRegistry
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).parent))
from evaluate_bench import encoded_brown  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="brown-lstm")
    parser.add_argument("--model-path", action="append", default=[])
    parser.add_argument("--tokens", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1, help="torch and BLAS threads (default 1)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model = ModelRegistry(args.model_path).get(args.model)
    docs = encoded_brown(model, args.tokens)
    total = sum(len(d) for d in docs)
    states = {f"layer{i}.{model.default_state}": int(layer.hidden_size)
              for i, layer in enumerate(model.stack.layers, start=1)}
    print(f"model {args.model} ({model.cell}, {model.num_layers}x{model.hidden_size}), {total:,} Brown tokens in "
          f"{len(docs)} documents; index: {', '.join(states)} at {len(INDEX_THRESHOLDS)} thresholds; "
          f"threads {args.threads}")
    evaluate_documents(model, lambda: iter(docs[:2]))  # torch's lazy set-up out of both figures
    wall, cpu = [np.inf, np.inf], [np.inf, np.inf]
    index = None
    with threadpool_limits(limits=args.threads):
        for repeat in range(args.repeats):
            for which in ((0, 1) if repeat % 2 == 0 else (1, 0)):
                builder = PatternIndexBuilder(states) if which else None
                w0, c0 = time.perf_counter(), time.process_time()
                evaluate_documents(model, lambda: iter(docs), patterns=builder)
                if builder is not None:
                    index = builder.finish(len(docs))
                wall[which] = min(wall[which], time.perf_counter() - w0)
                cpu[which] = min(cpu[which], time.process_time() - c0)
        assert index is not None and index.tokens == total
        name = f"layer{model.num_layers}.{model.default_state}"
        rng = np.random.default_rng(0)
        times, sizes, found = [], [], []
        while len(times) < args.queries:
            doc = int(rng.integers(len(docs)))
            if len(docs[doc]) < 20:
                continue
            length = int(rng.integers(2, 9))
            start = int(rng.integers(0, min(len(docs[doc]), 2000) - length))
            trace = model.trace(torch.from_numpy(docs[doc][: start + length].astype(np.int64))[None], outputs=False,
                                names=[name])
            span = trace[name][0, start:].numpy()
            threshold = next((t for t in sorted(INDEX_THRESHOLDS, reverse=True)
                              if hypothesis_units(span, t).size >= 3), min(INDEX_THRESHOLDS))
            units = hypothesis_units(span, threshold)
            if units.size == 0:
                continue
            t0 = time.perf_counter()
            matches = match_units(index, name, threshold, units, length, top=20)
            times.append(time.perf_counter() - t0)
            sizes.append(units.size)
            found.append(len(matches))
    index_mib = sum(b.nbytes for b in index.bits.values()) / 2**20
    for which, label in ((0, "(a) evaluation alone     "), (1, "(b) evaluation with index")):
        print(f"{label}: {wall[which]:7.1f} s wall, {cpu[which]:7.1f} s CPU ({total / wall[which]:,.0f} tokens/s)")
    slow_wall, slow_cpu = wall[1] / wall[0], cpu[1] / cpu[0]
    print(f"index build slows evaluation by x{slow_wall:.3f} wall, x{slow_cpu:.3f} CPU "
          f"{'ok' if min(slow_wall, slow_cpu) <= 1.2 else 'MISSED'} (target <= 1.2); index {index_mib:.0f} MiB")
    median, worst = float(np.median(times)), float(np.max(times))
    share = median / wall[1]
    print(f"{len(times)} queries over {total:,} tokens ({np.median(sizes):.0f} units median, "
          f"{np.median(found):.0f} matches median): median {median * 1000:.1f} ms, worst {worst * 1000:.1f} ms = "
          f"{100 * share:.3f} % / {100 * worst / wall[1]:.3f} % of (b) {'ok' if share <= 0.02 else 'MISSED'} "
          f"(target <= 2 %)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

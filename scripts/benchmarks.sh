#!/usr/bin/env bash
# Every benchmark, one after another (about 4 minutes on 2 cores): each prints its figures as
# ratios against a baseline measured in the same run (memory_bench: peak memory against a fixed 1 GB target).
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
for bench in trace_bench cocluster_bench evaluate_bench lsp_bench stream_bench effects_bench memory_bench first_use_bench; do
  echo "=== benchmarks/$bench.py"
  "$PY" "benchmarks/$bench.py"
done
echo "=== benchmarks/panel_bench.mjs"
npm run --silent bench

#!/usr/bin/env bash
# The README's first command: set everything up, then run the main job on the shipped samples:
# per-token glyphs of a sample text, a co-clustering summary, and a standalone panel snapshot.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p artifacts
echo
echo "=== What the sentiment model's memory does, token by token (rt-gru, samples/texts/reviews.txt)"
.venv/bin/rnnlens analyze samples/texts/reviews.txt --model rt-gru --clusters 4 --color always
echo
echo "=== Co-clustering of the Brown LSTM's cell state (words x units, evaluated on Brown's held-out split)"
.venv/bin/rnnlens cocluster --model brown-lstm --clusters 8
echo
echo "=== Standalone panel snapshot"
.venv/bin/rnnlens snapshot --model brown-lstm --text-file samples/texts/kitchen.txt \
  --output artifacts/panel-brown-lstm.html
echo "open artifacts/panel-brown-lstm.html in a browser to see memory chips, word clouds and glyphs"

#!/usr/bin/env bash
# Retrain every shipped sample model from its config in samples/train/ (about an hour on 2 CPU cores).
set -euo pipefail
cd "$(dirname "$0")/.."
RNNLENS=${RNNLENS:-.venv/bin/rnnlens}
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(rt-gru brown-lstm brown-gru brown-rnn)
for model in "${models[@]}"; do
  "$RNNLENS" train "samples/train/$model.json"
done

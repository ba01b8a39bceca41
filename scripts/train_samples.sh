#!/usr/bin/env bash
# Retrain every shipped sample model from its config in samples/train/ (about an hour on 2 CPU cores).
# Config keys, resume rules and the card: docs/training.md. To correct the cards without
# retraining (numbers recomputed from the shipped weights): .venv/bin/python scripts/refresh_sample_cards.py
set -euo pipefail
cd "$(dirname "$0")/.."
RNNLENS=${RNNLENS:-.venv/bin/rnnlens}
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(rt-gru brown-lstm brown-gru brown-rnn)
for model in "${models[@]}"; do
  "$RNNLENS" train "samples/train/$model.json"
done

#!/usr/bin/env bash
# One-command setup: a virtual environment in .venv with the CPU build of torch first, then
# RNN Lens with its test tools, the corpora it analyses, and the editor extension and panel.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# torch first, pinned to the CPU build: a bare `torch` requirement would pull a multi-GB CUDA build.
.venv/bin/pip install --quiet --disable-pip-version-check "torch==2.13.0"
# [ray]: distributed evaluation, which the tests run on a local 2-worker cluster.
.venv/bin/pip install --quiet --disable-pip-version-check -e ".[dev,ray]"
if [ -x scripts/install_system_deps.sh ]; then
  scripts/install_system_deps.sh
fi
if [ -f package.json ]; then
  npm ci --silent --no-audit --no-fund
  npm run --silent build
  # A real VS Code (code-server) for the extension's end-to-end tests, in .tools/ (git-ignored).
  scripts/install_code_server.sh
fi
.venv/bin/rnnlens data fetch brown sotu rotten-tomatoes

#!/usr/bin/env bash
# The whole test suite: lint and type checks, the Python tests (unit, end-to-end LSP, Neovim,
# stream, real browser), the extension's tests, the .vsix build and the .vsix in a real VS Code. Run scripts/setup.sh first
# (the quick start does); this script repeats the cheap, idempotent parts of it so that a clean
# checkout only needs this one command after setup.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
failed=()
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
step() {
  local name=$1; shift
  echo "=== $name"
  if ! "$@" 2>&1 | tee "$logs/${name// /_}.log"; then failed+=("$name"); fi
}
# CI keeps only the end of what this prints: repeat each failed step's failing lines there.
summarise_failures() {
  for name in "${failed[@]}"; do
    echo "--- $name: what failed"
    sed 's/\x1b\[[0-9;]*m//g' "$logs/${name// /_}.log" \
      | grep -E '(^| )(×|FAIL|FAILED|Error|error|AssertionError|E  )|failed|Timeout|timed out' | head -40
  done
}

step "ruff" ruff check server tests benchmarks protocol
step "mypy" mypy
step "typescript" npm run --silent typecheck
step "pytest" pytest -q -p no:cacheprovider
step "vitest" npm test --silent
step "browser" npm run --silent test:browser
step "vsix" npm run --silent package
# The .vsix in a real VS Code (code-server, installed once into .tools/ by the first command).
step "vscode e2e" bash -c "scripts/install_code_server.sh && npm run --silent test:e2e"

if [ ${#failed[@]} -gt 0 ]; then
  summarise_failures
  echo "FAILED steps: ${failed[*]}"
  exit 1
fi
echo "all test steps passed"

#!/usr/bin/env bash
# System packages the tests use (Debian/Ubuntu): add one package per line to PACKAGES.
#   chromium: the real browser for the panel's tests and benchmark (playwright-core drives it;
#             `npx playwright install` cannot download browsers here).
#   neovim:   a real third-party LSP client for the language server's editor test (tests/lsp).
set -euo pipefail
PACKAGES=(
  chromium
  neovim
)
missing=()
for package in "${PACKAGES[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "install these system packages yourself: ${missing[*]}" >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

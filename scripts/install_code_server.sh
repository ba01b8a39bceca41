#!/usr/bin/env bash
# Installs code-server 4.100.3 (VS Code 1.100.3 served to a browser) into .tools/code-server for
# the extension's end-to-end tests, from the npm registry and Debian packages only. Idempotent:
# a finished install (marked by .tools/code-server/.installed) is left alone.
#
# A plain `npm install code-server` fails here three ways (see ../shared/STACK.md): its
# postinstall refuses to run as root under npm 11, native modules cannot download prebuilt
# binaries, and @vscode/ripgrep downloads its binary at install time. So: install with
# --ignore-scripts, do postinstall.sh's steps by hand, rebuild the native modules against the
# system Node headers, and use Debian's ripgrep. 4.103+ needs Node 22; this pins the last for 20.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=4.100.3
DEST=${CODE_SERVER_DIR:-$PWD/.tools/code-server}
MARKER="$DEST/.installed"
if [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$VERSION" ]; then
  exit 0
fi
start=$(date +%s)

# Headers for the native modules (kerberos, node-pty, spdlog, @parcel/watcher, argon2, ...)
# and the ripgrep binary VS Code's search runs.
PACKAGES=(libkrb5-dev libxkbfile-dev libsecret-1-dev ripgrep python3 make g++)
missing=()
for package in "${PACKAGES[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null; then
    echo "install these system packages first: ${missing[*]}" >&2
    exit 1
  fi
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ "$(node -p 'process.versions.node.split(".")[0]')" != 20 ]; then
  echo "code-server $VERSION needs Node.js 20; found $(node -v)" >&2
  exit 1
fi

rm -rf "$DEST"
mkdir -p "$DEST"
cd "$DEST"
echo '{"name": "rnnlens-code-server", "private": true}' > package.json
npm_flags=(--ignore-scripts --no-audit --no-fund --loglevel=error)
npm install "${npm_flags[@]}" "code-server@$VERSION"

# What node_modules/code-server/postinstall.sh does, by hand.
cd node_modules/code-server/lib/vscode
npm install "${npm_flags[@]}" --omit=dev
rm -rf node_modules.asar && ln -s node_modules node_modules.asar
(cd bin/remote-cli && rm -f code-server && ln -s code-linux.sh code-server)
(cd bin/helpers && rm -f browser.sh && ln -s browser-linux.sh browser.sh)
(cd extensions && npm install "${npm_flags[@]}" --omit=dev && node ./postinstall.mjs >/dev/null)

# Native modules against the system Node's headers (no prebuilt downloads; @parcel/watcher's
# prebuilt binary is an npm package). node-pty's post-install ends with an optional
# compile_commands step that needs node-gyp from npx: it fails after pty.node is built.
export npm_config_nodedir=/usr
for module in kerberos @vscode/spdlog native-watchdog @vscode/deviceid node-pty; do
  npm rebuild --loglevel=error "$module" >/dev/null 2>&1 || [ "$module" = node-pty ]
done
for binary in kerberos/build/Release/kerberos.node @vscode/spdlog/build/Release/spdlog.node \
    native-watchdog/build/Release/watchdog.node @vscode/deviceid/build/Release/windows.node \
    node-pty/build/Release/pty.node; do
  [ -f "node_modules/$binary" ] || { echo "native module not built: $binary" >&2; exit 1; }
done
mkdir -p node_modules/@vscode/ripgrep/bin
cp /usr/bin/rg node_modules/@vscode/ripgrep/bin/rg
cd "$DEST"
npm rebuild --loglevel=error --build-from-source argon2 >/dev/null
[ -n "$(find node_modules/argon2 -name '*.node' | head -1)" ] || { echo "argon2 not built" >&2; exit 1; }

node node_modules/code-server/out/node/entry.js --version >/dev/null
echo "$VERSION" > "$MARKER"
echo "code-server $VERSION installed in $DEST ($(du -sh "$DEST" | cut -f1), $(( $(date +%s) - start )) s)"

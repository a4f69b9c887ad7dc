#!/usr/bin/env bash
# Installs code-server (a real VS Code that runs in a browser) for the e2e tests and the demo.
# It lives outside the project's dependencies because it is large; the folder is reused between runs.
set -euo pipefail
VERSION=4.100.3            # VS Code 1.100.3; later code-server releases need Node 24
TOOLS="${RUNLENS_TOOLS:-$HOME/.cache/runlens-tools}"
DEST="$TOOLS/code-server-$VERSION"
BIN="$DEST/node_modules/.bin/code-server"

if [ -x "$BIN" ] && "$BIN" --version >/dev/null 2>&1; then
  echo "code-server $VERSION already installed in $DEST"
  exit 0
fi

if ! command -v rg >/dev/null 2>&1; then
  echo "ripgrep (rg) is missing: install it first (apt-get install -y ripgrep)" >&2
  exit 1
fi

# code-server's post-install step fetches ripgrep from the internet, which is not reachable here.
# It looks for a cached archive first, so hand it the system's rg under the name it expects.
CACHE="$(node -p "require('os').tmpdir()")/vscode-ripgrep-cache-1.15.11"
mkdir -p "$CACHE"
ARCHIVE="$CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
[ -f "$ARCHIVE" ] || tar czf "$ARCHIVE" -C "$(dirname "$(command -v rg)")" rg

mkdir -p "$DEST"
cd "$DEST"
[ -f package.json ] || echo '{"name":"runlens-code-server","private":true}' > package.json
echo "installing code-server $VERSION into $DEST (takes a few minutes)"
npm_config_yes=true npm_config_unsafe_perm=true npm install --no-audit --no-fund "code-server@$VERSION"
"$BIN" --version

#!/usr/bin/env bash
# Installs what Runlens needs to build, run its demo and run its tests, skipping what is present:
# Debian packages (Chromium for the e2e tests, ripgrep and headers for code-server, ClickHouse for
# the telemetry tests), the npm dependencies, and code-server (a real VS Code in the browser).
# Safe to run again. `--demo` skips what only the tests need.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=test
[ "${1:-}" = "--demo" ] && mode=demo

debs=(ripgrep pkg-config libkrb5-dev libsecret-1-dev libxkbfile-dev libx11-dev)
[ "$mode" = test ] && debs+=(chromium clickhouse-server clickhouse-client)

missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO=sudo; else
    echo "setup: need root to install ${missing[*]}; run: apt-get install -y ${missing[*]}" >&2; exit 1
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies"
  npm ci --no-audit --no-fund --prefer-offline
fi

bash scripts/install-code-server.sh

# The examples' dependencies, so build tests install from the local cache.
if [ "$mode" = test ]; then bash scripts/warm-examples.sh; fi

#!/usr/bin/env bash
# Fills the npm cache with the dependencies of each example (the Mastra example's include a Node 22
# binary), so the build tests and benchmarks install from the local cache. An example whose
# lockfile was already installed on this machine is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

stamps="${HOME}/.cache/runlens-tools/warm-examples"
mkdir -p "$stamps"
for lock in examples/*/package-lock.json; do
  dir=$(dirname "$lock")
  stamp="$stamps/$(basename "$dir")-$(sha256sum "$lock" | cut -c1-16)"
  [ -f "$stamp" ] && continue
  echo "setup: caching the dependencies of $dir"
  tmp=$(mktemp -d)
  cp "$dir/package.json" "$lock" "$tmp/"
  (cd "$tmp" && npm ci --include=dev --prefer-offline --no-audit --no-fund --loglevel=error >/dev/null)
  rm -rf "$tmp"
  touch "$stamp"
done

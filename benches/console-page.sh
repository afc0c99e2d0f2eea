#!/usr/bin/env bash
# The console's first page: from opening a staff sign-in link to the
# overview showing its queue counts, in headless Chromium on loopback,
# against a release build in development mode (the demo tenant), with a
# cold browser context each time; and the bytes a browser downloads for
# the console, gzipped (its files and the shared ones).
#
#   benches/console-page.sh [RUNS]
#
# Needs what scripts/test installs (Chromium, tests/browser's packages).
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-10}"
port=18192
work="$(mktemp -d)"
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

cargo build --release --quiet --bin revshare
REVSHARE_DATA_DIR="$work" REVSHARE_DATABASE_URL="sqlite://$work/bench.db?mode=rwc" \
  REVSHARE_LISTEN="127.0.0.1:$port" REVSHARE_MATURITY_INTERVAL=0 target/release/revshare serve >"$work/out.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
  grep -q '^eyJ' "$work/out.log" 2>/dev/null && break
  sleep 0.2
done
admin="$(grep '^eyJ' "$work/out.log" | head -1)"
links=()
for n in $(seq 1 "$runs"); do
  url="$(curl -s "http://127.0.0.1:$port/graphql" -H "authorization: Bearer $admin" -H 'content-type: application/json' \
    -d "{\"query\":\"mutation { createStaffSignInLink(input: { email: \\\"bench$n@demo.example\\\" }) { url } }\"}" |
    sed 's/.*"url":"\([^"]*\)".*/\1/')"
  links+=("http://127.0.0.1:$port$url")
done
echo "first page interactive (ms), $runs cold contexts:"
(cd tests/browser && node page-load.mjs '[data-count="applications"]' "${links[@]}")
bytes=0
for file in assets/admin/* assets/shared/*; do
  bytes=$((bytes + $(gzip -9 -c "$file" | wc -c)))
done
echo "console assets, gzipped: $bytes bytes"

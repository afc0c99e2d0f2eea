#!/usr/bin/env bash
# The partner portal's first page: from opening a sign-in link to the
# overview showing the partner's balance, in headless Chromium on loopback,
# against a release build in development mode (the demo tenant's sample
# partner), with a cold browser context each time; and the bytes a browser
# downloads for the portal, gzipped.
#
#   benches/portal-page.sh [RUNS]
#
# Needs what scripts/test installs (Chromium, tests/browser's packages).
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-10}"
port=18191
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
partner="$(curl -s "http://127.0.0.1:$port/graphql" -H "authorization: Bearer $admin" -H 'content-type: application/json' \
  -d '{"query":"{ partners(search: \"Northwind\") { nodes { id } } }"}' | sed 's/.*"id":"\([^"]*\)".*/\1/')"
links=()
for _ in $(seq 1 "$runs"); do
  url="$(curl -s "http://127.0.0.1:$port/graphql" -H "authorization: Bearer $admin" -H 'content-type: application/json' \
    -d "{\"query\":\"mutation { createPartnerPortalLink(partnerId: \\\"$partner\\\") { url } }\"}" | sed 's/.*"url":"\([^"]*\)".*/\1/')"
  links+=("http://127.0.0.1:$port$url")
done
echo "first page interactive (ms), $runs cold contexts:"
(cd tests/browser && node page-load.mjs '[data-figure^="balance."]' "${links[@]}")
bytes=0
for file in assets/portal/* assets/shared/*; do
  bytes=$((bytes + $(gzip -9 -c "$file" | wc -c)))
done
echo "portal assets, gzipped: $bytes bytes"

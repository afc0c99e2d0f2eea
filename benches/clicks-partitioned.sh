#!/usr/bin/env bash
# Redirects a second on PostgreSQL with clicks in one table against clicks
# partitioned by month: two builds (`OLD_BIN`, `NEW_BIN`), each on a fresh
# database of its own, alternated `ROUNDS` times; each round `SECONDS_EACH`
# seconds of short-link redirects at 16 clients, every redirect a visitor
# of its own (so each is a click the clicks job writes meanwhile), then
# the clicks stored once the job has caught up.
#
#   OLD_BIN=/tmp/revshare-before NEW_BIN=target/release/revshare benches/clicks-partitioned.sh
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${ROUNDS:-3}"
seconds="${SECONDS_EACH:-10}"
pgurl="${PGURL:-postgres://postgres@127.0.0.1:5432}"
loadgen="${LOADGEN_BIN:-target/release/examples/loadgen}"
port=18196
work="$(mktemp -d)"
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
export PGOPTIONS="-c client_min_messages=warning"
export REVSHARE_LISTEN="127.0.0.1:$port" REVSHARE_JWT_SECRET="load-test-secret-load-test-secret-0123"
export RUST_LOG=warn REVSHARE_JOBS=none REVSHARE_ANONYMOUS_WRITES_PER_MINUTE=0 REVSHARE_TRUSTED_PROXIES=127.0.0.1

run() {
  local label="$1" bin="$2" db="revshare_bench_parted_$1"
  psql "$pgurl/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
  export REVSHARE_DATABASE_URL="$pgurl/$db" REVSHARE_DATA_DIR="$work/$label"
  mkdir -p "$work/$label"
  "$bin" tenant create bench --name "Partitions bench" >/dev/null
  "$bin" serve >>"$work/$label.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  local token q partner group
  token="$("$bin" token --tenant bench --role admin --ttl 1h)"
  q() { curl -sf "http://127.0.0.1:$port/graphql" -H 'content-type: application/json' -H "authorization: Bearer $token" -d "$1"; }
  partner=$(q '{"query":"mutation { createPartner(input: { name: \"Jane\" }) { id group { id } } }"}')
  group=$(echo "$partner" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["createPartner"]["group"]["id"])')
  partner=$(echo "$partner" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["createPartner"]["id"])')
  q "{\"query\":\"mutation { updatePartnerGroup(id: \\\"$group\\\", input: { links: { destination: \\\"https://acme.example/\\\" } }) { id } }\"}" >/dev/null
  q "{\"query\":\"mutation { createPartnerLink(input: { partnerId: \\\"$partner\\\", key: \\\"jane\\\" }) { id } }\"}" >/dev/null
  psql "$pgurl/$db" -qc "ANALYZE"
  local out rps stored
  out=$(LOADGEN_METHOD=GET \
    LOADGEN_HEADERS=$'user-agent: Mozilla/5.0 (X11; Linux x86_64; rv:{{seq}}.0) Gecko/20100101 Firefox/{{seq}}.0\nx-forwarded-for: {{ip}}' \
    "$loadgen" "http://127.0.0.1:$port/l/bench/jane" - - 16 "$seconds")
  rps=$(echo "$out" | sed -n 's/.*rps=\([0-9.]*\).*/\1/p')
  # The clicks job catches up: stored clicks stop growing.
  local last=-1
  stored=0
  for _ in $(seq 1 300); do
    stored=$(psql "$pgurl/$db" -Atc "SELECT count(*) FROM clicks")
    [ "$stored" = "$last" ] && break
    last=$stored
    sleep 1
  done
  kill -TERM "$server"; wait "$server" || true; server=""
  printf '%-4s %8.0f redirects/s  %s clicks stored  (%s)\n' "$label" "$rps" "$stored" "$(echo "$out" | tr '\n' ' ')"
  psql "$pgurl/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"
}

for round in $(seq 1 "$rounds"); do
  echo "round $round"
  run old "${OLD_BIN:?OLD_BIN: the build with one clicks table}"
  run new "${NEW_BIN:-target/release/revshare}"
done

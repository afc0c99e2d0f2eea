#!/usr/bin/env bash
# The partner portal's query, with the partner's own token, for a partner
# with 200 commissions and for one with 200,000, on PostgreSQL.
#
#   benches/portal.sh [CONCURRENCY] [SECONDS]
#   BIG=200000 SMALL=200 benches/portal.sh
#   REVSHARE_BIN=/path/to/other/revshare benches/portal.sh   # A/B against another build
#   BURST=1 BIG=20000 benches/portal.sh   # right after the burst: no ANALYZE, no autovacuum
#
# Loopback only; each run is bounded by SECONDS. The bench database is
# dropped and created anew.
set -euo pipefail
cd "$(dirname "$0")/.."
concurrency="${1:-16}"
seconds="${2:-10}"
big="${BIG:-200000}"
small="${SMALL:-200}"
pgurl="${PGURL:-postgres://postgres@127.0.0.1:5432}"
dbname="${BENCH_DATABASE:-revshare_portal}"
port=18183
work="$(mktemp -d)"
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

psql "$pgurl/postgres" -qc "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" -c "CREATE DATABASE $dbname"
# Prebuilt binaries may be given (REVSHARE_BIN, LOADGEN_BIN); else this tree's.
if [ -z "${REVSHARE_BIN:-}" ] || [ -z "${LOADGEN_BIN:-}" ]; then
  cargo build --release --quiet --bin revshare --example loadgen
fi
bin="${REVSHARE_BIN:-target/release/revshare}"
export REVSHARE_DATABASE_URL="$pgurl/$dbname" REVSHARE_DATA_DIR="$work" REVSHARE_LISTEN="127.0.0.1:$port"
export REVSHARE_JWT_SECRET="load-test-secret-load-test-secret-0123" RUST_LOG=warn REVSHARE_MATURITY_INTERVAL=0

"$bin" migrate >/dev/null
if [ -n "${BURST:-}" ]; then
  # Statistics as a database has them right after a burst: none yet.
  psql "$pgurl/$dbname" -qc "ALTER TABLE commissions SET (autovacuum_enabled = false)" \
    -c "ALTER TABLE events SET (autovacuum_enabled = false)"
fi
"$bin" tenant create bench --name "Portal bench" >/dev/null
"$bin" serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
token="$("$bin" token --tenant bench --role admin --ttl 1h)"
url="http://127.0.0.1:$port/graphql"
gql() { curl -sf "$url" -H "Authorization: Bearer $token" -H 'content-type: application/json' -d "$1"; }
id_of() { sed -E 's/.*"id":"([^"]+)".*/\1/'; }

group="$(gql '{"query":"mutation { createPartnerGroup(input: { name: \"Ten\", rules: [{ recurring: { percentage: 10 } }] }) { id } }"}' | id_of)"
new_partner() { gql "{\"query\":\"mutation { createPartner(input: { name: \\\"$1\\\", groupId: \\\"$group\\\" }) { id } }\"}" | id_of; }
small_id="$(new_partner Small)"
big_id="$(new_partner Big)"

# N events for a partner, 1,000 per request; a fifth of them approved, as
# a live ledger has commissions in every status.
load() {
  local partner="$1" count="$2" tag="$3"
  python3 - "$work/$tag.json" "$partner" "$count" "$tag" <<'PY'
import json, sys
path, partner, count, tag = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
size = min(count, 1000)
items = [{"externalId": "%s-{{batch}}-%d" % (tag, i), "partnerId": partner,
          "customerExternalId": "c-%d" % (i % 200), "amount": "19.90"} for i in range(size)]
query = "mutation($e: [RecordEventInput!]!) { recordEvents(input: $e) { payload { commissions { id } } } }"
json.dump({"query": query, "variables": {"e": items}}, open(path, "w"))
PY
  local batches=$(( (count + 999) / 1000 ))
  for b in $(seq 1 "$batches"); do
    sed "s/{{batch}}/$b/g" "$work/$tag.json" | gql @- >"$work/$tag.out"
    # Statistics as autovacuum would keep them on a live database: a plan
    # made for the empty tables of a new one scans every event.
    if [ -z "${BURST:-}" ] && (( b == 2 || b % 25 == 0 )); then psql "$pgurl/$dbname" -qc "ANALYZE"; fi
    if (( b % 5 == 0 )); then
      ids="$(grep -oE '"id":"[^"]+"' "$work/$tag.out" | awk 'NR <= 500' | sed -E 's/"id":"([^"]+)"/"\1"/' | paste -sd, -)"
      gql "{\"query\":\"mutation(\$ids: [ID!]!) { approveCommissions(ids: \$ids) { id } }\",\"variables\":{\"ids\":[$ids]}}" >/dev/null
    fi
  done
}
load "$small_id" "$small" small
load "$big_id" "$big" big
[ -n "${BURST:-}" ] || psql "$pgurl/$dbname" -qc "ANALYZE"

cat >"$work/portal.json" <<'JSON'
{"query":"{ viewer { partner { balance { currency accrued approved paid } commissions(first: 20) { totalCount nodes { amount status accruedAt } } } } }"}
JSON
loadgen="${LOADGEN_BIN:-target/release/examples/loadgen}"
for who in small big; do
  id_var="${who}_id"
  partner_token="$("$bin" token --tenant bench --role partner --partner "${!id_var}" --ttl 1h)"
  count_var="$who"
  echo "portal query, partner with ${!count_var} commissions: $("$loadgen" "$url" "$partner_token" "$work/portal.json" "$concurrency" "$seconds")"
done

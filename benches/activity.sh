#!/usr/bin/env bash
# What the activity log (SPEC §34) costs mutations: two builds alternated
# on PostgreSQL (A B A B …), each round on a fresh database — a sale
# recorded (`recordEvent`, the ledger's hot path: its entry is one more
# row in its transaction), a partner renamed (`updatePartner`: its
# service lists the fields it changed), a campaign renamed
# (`updateCampaign`: its service compares the rows it holds) and a deal
# stage renamed (`updateDealStage`: its row is read as the transaction
# begins and again as it commits, and compared) — with requests/s per
# round and
# the ratio A/B of each pair. Then the exports of A at 100,000 and at
# 1,000,000 entries (written by SQL): their time and the server's peak
# memory (VmHWM) before and after each, which stays flat.
#
#   benches/activity.sh BIN_A BIN_B [ROUNDS] [CONCURRENCY] [SECONDS]
#   EXPORTS=0 benches/activity.sh …   # the rounds alone
#   LOADGEN_BIN=target/release/examples/loadgen benches/activity.sh new/revshare old/revshare 3
#
# Loopback only; each run is bounded by SECONDS. The bench database is
# dropped and created anew each round.
set -euo pipefail
cd "$(dirname "$0")/.."
bin_a="$1"; bin_b="$2"
rounds="${3:-3}"; concurrency="${4:-8}"; seconds="${5:-10}"
pgurl="${PGURL:-postgres://postgres@127.0.0.1:5432}"
dbname="${BENCH_DATABASE:-revshare_activity_bench}"
loadgen="${LOADGEN_BIN:-target/release/examples/loadgen}"
port=18183
work="$(mktemp -d)"
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

cat >"$work/sale.json" <<'JSON'
{"query":"mutation($input: RecordEventInput!) { recordEvent(input: $input) { duplicate commissions { id } } }","variables":{"input":{"externalId":"s-{{seq}}","partnerId":"{{pick}}","customerExternalId":"c-{{seq}}","amount":"100.00"}}}
JSON
cat >"$work/rename.json" <<'JSON'
{"query":"mutation($id: ID!) { updatePartner(id: $id, input: { name: \"Partner {{seq}}\" }) { id } }","variables":{"id":"{{pick}}"}}
JSON
cat >"$work/campaign.json" <<'JSON'
{"query":"mutation($id: ID!) { updateCampaign(id: $id, input: { name: \"Campaign {{seq}}\" }) { id } }","variables":{"id":"{{pick}}"}}
JSON

cat >"$work/stage.json" <<'JSON'
{"query":"mutation($id: ID!) { updateDealStage(id: $id, input: { name: \"Stage {{seq}}\" }) { id } }","variables":{"id":"{{pick}}"}}
JSON

# One round of `bin`: prints "sales/s renames/s campaign-renames/s
# stage-renames/s".
round() {
  local bin="$1"
  psql "$pgurl/postgres" -qc "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" -c "CREATE DATABASE $dbname" >/dev/null
  export REVSHARE_DATABASE_URL="$pgurl/$dbname" REVSHARE_DATA_DIR="$work" REVSHARE_LISTEN="127.0.0.1:$port"
  export REVSHARE_JWT_SECRET="load-test-secret-load-test-secret-0123" RUST_LOG=warn REVSHARE_MATURITY_INTERVAL=0 REVSHARE_JOBS=none
  "$bin" tenant create bench --name "Activity bench" >/dev/null
  "$bin" serve >"$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  local token url
  token="$("$bin" token --tenant bench --role admin --ttl 1h)"
  url="http://127.0.0.1:$port/graphql"
  gql() { curl -sf "$url" -H "Authorization: Bearer $token" -H 'content-type: application/json' -d "$1"; }
  local group
  group="$(gql '{"query":"mutation { createPartnerGroup(input: { name: \"Ten\", rules: [{ recurring: { percentage: 10 } }] }) { id } }"}' | sed -E 's/.*"id":"([^"]+)".*/\1/')"
  : >"$work/partners.txt"
  for i in $(seq 0 $((concurrency * 4 - 1))); do
    # One id a line (a reply ends without a newline).
    printf '%s\n' "$(gql "{\"query\":\"mutation { createPartner(input: { name: \\\"Partner $i\\\", groupId: \\\"$group\\\" }) { id } }\"}" \
      | sed -E 's/.*"id":"([^"]+)".*/\1/')" >>"$work/partners.txt"
  done
  : >"$work/campaigns.txt"
  for i in $(seq 0 $((concurrency * 4 - 1))); do
    printf '%s\n' "$(gql "{\"query\":\"mutation { createCampaign(input: { name: \\\"Campaign $i\\\" }) { id } }\"}" \
      | sed -E 's/.*"id":"([^"]+)".*/\1/')" >>"$work/campaigns.txt"
  done
  : >"$work/stages.txt"
  for i in $(seq 0 $((concurrency * 4 - 1))); do
    printf '%s\n' "$(gql "{\"query\":\"mutation { createDealStage(input: { name: \\\"Stage $i\\\", position: $((i + 1)) }) { id } }\"}" \
      | sed -E 's/.*"id":"([^"]+)".*/\1/')" >>"$work/stages.txt"
  done
  psql "$pgurl/$dbname" -qc "ANALYZE" >/dev/null
  local sales renames campaigns stages
  sales="$(LOADGEN_PICK="$work/partners.txt" "$loadgen" "$url" "$token" "$work/sale.json" "$concurrency" "$seconds" | grep -oE 'rps=[0-9]+' | cut -d= -f2)"
  psql "$pgurl/$dbname" -qc "ANALYZE" >/dev/null
  renames="$(LOADGEN_PICK="$work/partners.txt" "$loadgen" "$url" "$token" "$work/rename.json" "$concurrency" "$seconds" | grep -oE 'rps=[0-9]+' | cut -d= -f2)"
  psql "$pgurl/$dbname" -qc "ANALYZE" >/dev/null
  campaigns="$(LOADGEN_PICK="$work/campaigns.txt" "$loadgen" "$url" "$token" "$work/campaign.json" "$concurrency" "$seconds" | grep -oE 'rps=[0-9]+' | cut -d= -f2)"
  psql "$pgurl/$dbname" -qc "ANALYZE" >/dev/null
  stages="$(LOADGEN_PICK="$work/stages.txt" "$loadgen" "$url" "$token" "$work/stage.json" "$concurrency" "$seconds" | grep -oE 'rps=[0-9]+' | cut -d= -f2)"
  kill "$server"; wait "$server" 2>/dev/null || true
  echo "$sales $renames $campaigns $stages"
}

ratio() { echo "scale=3; $1 / $2" | bc; }
echo "round  sales/s A  B      A/B    renames/s A  B     A/B    campaigns/s A  B   A/B    stages/s A  B      A/B"
for r in $(seq 1 "$rounds"); do
  read -r sa ra ca ga <<<"$(round "$bin_a")"
  read -r sb rb cb gb <<<"$(round "$bin_b")"
  printf '%-6s %-6s %-6s %-6s %-6s %-6s %-6s %-6s %-6s %-6s %-6s %-6s %s\n' "$r" \
    "$sa" "$sb" "$(ratio "$sa" "$sb")" "$ra" "$rb" "$(ratio "$ra" "$rb")" \
    "$ca" "$cb" "$(ratio "$ca" "$cb")" "$ga" "$gb" "$(ratio "$ga" "$gb")"
done

[ "${EXPORTS:-1}" = 1 ] || exit 0
psql "$pgurl/postgres" -qc "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" -c "CREATE DATABASE $dbname" >/dev/null
export REVSHARE_DATABASE_URL="$pgurl/$dbname" REVSHARE_DATA_DIR="$work" REVSHARE_LISTEN="127.0.0.1:$port"
"$bin_a" tenant create bench --name "Activity bench" >/dev/null
"$bin_a" serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
token="$("$bin_a" token --tenant bench --role admin --ttl 1h)"
peak() { awk '/VmHWM/ { print $2 " kB" }' "/proc/$server/status"; }
written=0
echo "entries    file   seconds  bytes       server peak before → after"
for total in 100000 1000000; do
  psql "$pgurl/$dbname" -qc "INSERT INTO activity (id, tenant_id, at, actor_kind, actor_id, actor_name, action, object_kind, object_id, partner_id, changes, request_id, ip)
    SELECT lpad(to_hex(n), 26, '0'), 'bench', now() - (n || ' seconds')::interval, 'STAFF', 'admin@bench.example', 'admin@bench.example',
           'updatePartner', 'Partner', lpad(to_hex(n % 5000), 26, '0'), lpad(to_hex(n % 5000), 26, '0'),
           '[{\"field\":\"name\",\"before\":\"Partner\",\"after\":\"Partner, Ltd\"}]', 'req-' || n, '127.0.0.1'
    FROM generate_series($written + 1, $total) AS n" >/dev/null
  psql "$pgurl/$dbname" -qc "ANALYZE activity" >/dev/null
  written=$total
  for file in activity.csv activity.jsonl; do
    before="$(peak)"
    start=$(date +%s.%N)
    bytes="$(curl -sf "http://127.0.0.1:$port/exports/$file" -H "Authorization: Bearer $token" | wc -c)"
    took="$(echo "$(date +%s.%N) - $start" | bc)"
    printf '%-10s %-6s %-8.2f %-11s %s → %s\n' "$total" "${file#activity.}" "$took" "$bytes" "$before" "$(peak)"
  done
done

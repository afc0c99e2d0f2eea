#!/usr/bin/env bash
# Reports at 20,000 and at 1,000,000 commissions, on PostgreSQL: one
# tenant's ledger grown through recordEvents, each read measured by one
# client (loadgen at concurrency 1: the p50 of every request in SECONDS),
# then the ratio large/small; then a CSV export of the whole ledger with
# the server's resident memory before and at its peak.
#
#   benches/reports.sh [SECONDS]
#   SMALL=20000 LARGE=1000000 benches/reports.sh 5
#
# 100 partners in a 10 % group; events spread over 90 days; a fifth of
# each batch approved, so every status column has rows.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-5}"
small="${SMALL:-20000}"
large="${LARGE:-1000000}"
pgurl="${PGURL:-postgres://postgres@127.0.0.1:5432}"
dbname="${BENCH_DATABASE:-revshare_bench_reports}"
port=18184
work="$(mktemp -d)"
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

psql "$pgurl/postgres" -qc "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" -c "CREATE DATABASE $dbname"
if [ -z "${REVSHARE_BIN:-}" ] || [ -z "${LOADGEN_BIN:-}" ]; then
  cargo build --release --quiet --bin revshare --example loadgen
fi
bin="${REVSHARE_BIN:-target/release/revshare}"
loadgen="${LOADGEN_BIN:-target/release/examples/loadgen}"
export REVSHARE_DATABASE_URL="$pgurl/$dbname" REVSHARE_DATA_DIR="$work" REVSHARE_LISTEN="127.0.0.1:$port"
export REVSHARE_JWT_SECRET="load-test-secret-load-test-secret-0123" RUST_LOG=warn REVSHARE_MATURITY_INTERVAL=0

"$bin" tenant create bench --name "Reports bench" >/dev/null
"$bin" serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
token="$("$bin" token --tenant bench --role admin --ttl 2h)"
url="http://127.0.0.1:$port/graphql"
gql() { curl -sf "$url" -H "Authorization: Bearer $token" -H 'content-type: application/json' -d "$1"; }
id_of() { sed -E 's/.*"id":"([^"]+)".*/\1/'; }

group="$(gql '{"query":"mutation { createPartnerGroup(input: { name: \"Ten\", rules: [{ recurring: { percentage: 10 } }] }) { id } }"}' | id_of)"
partners=()
for i in $(seq 0 99); do
  partners+=("$(gql "{\"query\":\"mutation { createPartner(input: { name: \\\"Partner $i\\\", groupId: \\\"$group\\\" }) { id } }\"}" | id_of)")
done
printf '%s\n' "${partners[@]}" >"$work/partners.txt"

# Batch B of 1,000 events: partner i % 100, (B * 7 + i) % 90 days and
# i % 1440 minutes before the run's start, customers repeating; the first
# 200 commissions of each batch approved.
start="$(date -u +%s)"
batches=0
grow() {
  local began; began="$(date +%s.%N)"
  local from=$batches
  batches="$(python3 - "$work/partners.txt" "$url" "$token" "$batches" "$(( $1 / 1000 ))" "$start" "$pgurl/$dbname" <<'PY'
import datetime, json, subprocess, sys, urllib.request
partners_file, url, token, done, target, start, db = sys.argv[1:8]
partners = open(partners_file).read().split()
done, target = int(done), int(target)
base = datetime.datetime.fromtimestamp(int(start), datetime.timezone.utc)
def post(body):
    request = urllib.request.Request(url, json.dumps(body).encode(), {
        "content-type": "application/json", "authorization": "Bearer " + token})
    reply = json.load(urllib.request.urlopen(request, timeout=600))
    assert not reply.get("errors"), reply
    return reply["data"]
record = "mutation($e: [RecordEventInput!]!) { recordEvents(input: $e) { error { code } payload { commissions { id } } } }"
approve = "mutation($ids: [ID!]!) { approveCommissions(ids: $ids) { id } }"
for batch in range(done + 1, target + 1):
    items = []
    for i in range(1000):
        at = base - datetime.timedelta(days=(batch * 7 + i) % 90, minutes=i % 1440)
        items.append({"externalId": "e-%d-%d" % (batch, i), "partnerId": partners[i % 100],
                      "customerExternalId": "c-%d" % (i % 500), "amount": "19.90",
                      "occurredAt": at.strftime("%Y-%m-%dT%H:%M:%SZ")})
    answers = post({"query": record, "variables": {"e": items}})["recordEvents"]
    assert all(a["error"] is None for a in answers), answers[:3]
    ids = [c["id"] for a in answers for c in a["payload"]["commissions"]][:200]
    post({"query": approve, "variables": {"ids": ids}})
    # Tables as autovacuum keeps them (this machine runs without it): the
    # rollups' rows are updated by every batch, and their dead versions
    # vacuumed away.
    if batch == 2 or batch % 100 == 0:
        subprocess.run(["psql", db, "-qc", "VACUUM ANALYZE"], check=True)
print(target)
PY
)"
  psql "$pgurl/$dbname" -qc "VACUUM ANALYZE"
  echo "grew to $(psql "$pgurl/$dbname" -Atc "SELECT count(*) FROM commissions") commissions ($(( (batches - from) * 1000 )) events in $(printf %.0f "$(echo "$(date +%s.%N) - $began" | bc)") s)" >&2
}

from="$(date -u -d "@$((start - 90 * 86400))" +%Y-%m-%dT00:00:00Z)"
to="$(date -u -d "@$((start + 86400))" +%Y-%m-%dT00:00:00Z)"
partner="${partners[7]}"
partner_token="$("$bin" token --tenant bench --role partner --partner "$partner" --ttl 2h)"
q() { printf '{"query":%s}' "$(python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$1")" >"$work/$2.json"; }
q "{ commissionStats(interval: DAY, from: \"$from\", to: \"$to\") { start accrued approved paid commissions events } }" series_day
q "{ commissionStats(interval: MONTH, from: \"$from\", to: \"$to\", partnerId: \"$partner\") { start accrued paid } }" series_partner
q "{ topPartners(from: \"$from\", to: \"$to\", currency: \"USD\", first: 10) { partner { name } amount } }" top
q "{ programTotals { currency accrued approved paid } }" totals
q "{ commissions(first: 50) { totalCount nodes { id amount status } } }" first_page
q "{ commissions(last: 50) { totalCount nodes { id amount status } } }" last_page
q "{ commissions(partnerId: \"$partner\", first: 50) { totalCount nodes { id amount status } } }" partner_page
q "{ viewer { partner { rank(from: \"$from\", to: \"$to\", currency: \"USD\") { rank amount partners } } } }" rank
q "{ viewer { partner { balance { currency accrued approved paid } commissions(first: 20) { totalCount nodes { amount status accruedAt } } } } }" portal
reads=(series_day series_partner top rank totals first_page last_page partner_page portal)
p50() { sed -nE 's/.* p50_ms=([0-9.]+) .*/\1/p'; }
measure() {
  for read in "${reads[@]}"; do
    local who="$token"
    case "$read" in rank | portal) who="$partner_token" ;; esac
    "$loadgen" "$url" "$who" "$work/$read.json" 1 "$seconds" | p50 >"$work/$read.$1"
  done
}

grow "$small"
measure small
grow "$large"
measure large
echo "| read | $small commissions (p50 ms) | $large commissions (p50 ms) | large/small |"
echo "|---|---|---|---|"
for read in "${reads[@]}"; do
  s="$(cat "$work/$read.small")"; l="$(cat "$work/$read.large")"
  echo "| $read | $s | $l | $(echo "scale=2; $l / $s" | bc) |"
done

rss() { awk '/^VmRSS/ { print $2 }' "/proc/$server/status"; }
idle="$(rss)"
peak="$idle"
curl -sf "http://127.0.0.1:$port/exports/commissions.csv" -H "Authorization: Bearer $token" -o "$work/export.csv" &
export_pid=$!
began="$(date +%s.%N)"
while kill -0 "$export_pid" 2>/dev/null; do
  now="$(rss)"; (( now > peak )) && peak="$now"
  sleep 0.05
done
wait "$export_pid"
echo "export: $(($(wc -l <"$work/export.csv") - 1)) rows, $(du -m "$work/export.csv" | cut -f1) MiB in $(printf %.1f "$(echo "$(date +%s.%N) - $began" | bc)") s; server RSS $((idle / 1024)) MiB idle, $((peak / 1024)) MiB at the peak (+$(((peak - idle) / 1024)) MiB)"

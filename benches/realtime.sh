#!/usr/bin/env bash
# Real time (SPEC §12) on PostgreSQL, over loopback:
#
# 1. what the outbox costs batch ingestion: `recordEvents` of 1,000 events
#    (2 workers, 16 partners), alternating ROUNDS times between BEFORE_BIN (a
#    build without the event log) and this build, each round on a fresh
#    database and server;
# 2. events through a subscription and through webhooks beside that same
#    ingestion: one subscription to every event and one webhook endpoint (a
#    local receiver) while the batches run, and how soon each has them all;
# 3. the server's resident memory with 1,000 idle subscriptions open, each
#    on its own WebSocket, against the same server idle.
#
#   benches/realtime.sh [SECONDS]
#   BEFORE_BIN=/path/to/revshare-before benches/realtime.sh   # phase 1 (skipped without it)
#   ROUNDS=3 IDLE_SUBSCRIPTIONS=1000 PGURL=postgres://postgres@127.0.0.1:5432 benches/realtime.sh
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
pgurl="${PGURL:-postgres://postgres@127.0.0.1:5432}"
dbname="${BENCH_DATABASE:-revshare_realtime}"
port=18183
sink_port=18184
work="$(mktemp -d)"
pids=()
trap 'for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT

if [ -z "${REVSHARE_BIN:-}" ]; then
  cargo build --release --quiet --bin revshare --example loadgen --example realtime
fi
now_bin="${REVSHARE_BIN:-target/release/revshare}"
loadgen="${LOADGEN_BIN:-target/release/examples/loadgen}"
realtime="${REALTIME_BIN:-target/release/examples/realtime}"
url="http://127.0.0.1:$port/graphql"
export REVSHARE_DATA_DIR="$work" REVSHARE_LISTEN="127.0.0.1:$port" RUST_LOG=warn REVSHARE_MATURITY_INTERVAL=0
export REVSHARE_JWT_SECRET="load-test-secret-load-test-secret-0123" REVSHARE_WEBHOOK_ALLOW_PRIVATE=true

# start BIN: a fresh database, the server on it, a tenant with 16 partners,
# 2,000 warm-up events, ANALYZE. Sets $server, $token.
start() {
  psql "$pgurl/postgres" -qc "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" -c "CREATE DATABASE $dbname"
  export REVSHARE_DATABASE_URL="$pgurl/$dbname"
  "$1" tenant create bench --name "Real-time bench" >/dev/null
  "$1" serve >>"$work/server.log" 2>&1 &
  server=$!
  pids+=("$server")
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  token="$("$1" token --tenant bench --role admin --ttl 1h)"
  local group
  group="$(gql '{"query":"mutation { createPartnerGroup(input: { name: \"Ten\", rules: [{ recurring: { percentage: 10 } }] }) { id } }"}' | id_of)"
  partners=()
  for i in $(seq 0 15); do
    partners+=("$(gql "{\"query\":\"mutation { createPartner(input: { name: \\\"Partner $i\\\", externalId: \\\"p-$i\\\", groupId: \\\"$group\\\" }) { id } }\"}" | id_of)")
  done
  python3 benches/batch.py "$work/batch.json" "${partners[@]}"
  sed 's/{{seq}}/warm-up-1/g' "$work/batch.json" | gql @- >/dev/null
  sed 's/{{seq}}/warm-up-2/g' "$work/batch.json" | gql @- >/dev/null
  psql "$pgurl/$dbname" -qc "ANALYZE"
}
stop() { kill "$server"; wait "$server" 2>/dev/null || true; }
gql() { curl -sf "$url" -H "Authorization: Bearer $token" -H 'content-type: application/json' -d "$1"; }
id_of() { sed -E 's/.*"id":"([^"]+)".*/\1/'; }
rate() { python3 -c 'import sys; f = dict(kv.split("=") for kv in sys.argv[1].split()); print(round(1000 * float(f["requests"]) / float(f["seconds"])))' "$1"; }

# 1. The outbox's cost, alternating builds.
if [ -n "${BEFORE_BIN:-}" ]; then
  before=() after=()
  for round in $(seq 1 "${ROUNDS:-3}"); do
    start "$BEFORE_BIN"
    before+=("$(rate "$("$loadgen" "$url" "$token" "$work/batch.json" 2 "$seconds")")")
    stop
    start "$now_bin"
    after+=("$(rate "$("$loadgen" "$url" "$token" "$work/batch.json" 2 "$seconds")")")
    stop
    echo "round $round: recordEvents ×1000 without the event log ${before[-1]} events/s, with it ${after[-1]} events/s"
  done
  python3 - "${before[*]}" "${after[*]}" <<'PY'
import sys
before = [int(x) for x in sys.argv[1].split()]
after = [int(x) for x in sys.argv[2].split()]
b, a = sum(before) / len(before), sum(after) / len(after)
print(f"outbox cost on batch ingestion: {b:.0f} → {a:.0f} events/s, {100 * (b - a) / b:+.1f} % (positive: slower)")
PY
fi

# 2. A subscription and a webhook endpoint beside the same ingestion.
start "$now_bin"
"$realtime" sink "127.0.0.1:$sink_port" "$work/sink.json" &
pids+=("$!")
gql "{\"query\":\"mutation { createWebhookEndpoint(input: { url: \\\"http://127.0.0.1:$sink_port/hook\\\" }) { secret } }\"}" | grep -q whsec_
"$realtime" subscribe "ws://127.0.0.1:$port/graphql" "$token" "$work/subscriber.json" 2>>"$work/subscriber.log" &
pids+=("$!")
sleep 1
events_before="$(psql "$pgurl/$dbname" -Atc "SELECT count(*) FROM domain_events")"
load="$("$loadgen" "$url" "$token" "$work/batch.json" 2 "$seconds")"
load_end_ms="$(date +%s%3N)"
events="$(( $(psql "$pgurl/$dbname" -Atc "SELECT count(*) FROM domain_events") - events_before ))"
echo "recordEvents ×1000 with a subscriber and a webhook endpoint: $(rate "$load") events/s ($events domain events)"
count_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["count"])' "$1" 2>/dev/null || echo 0; }
for _ in $(seq 1 1200); do
  [ "$(count_of "$work/subscriber.json")" -ge "$events" ] && [ "$(count_of "$work/sink.json")" -ge "$events" ] && break
  sleep 0.5
done
python3 - "$work/subscriber.json" "$work/sink.json" "$events" "$load_end_ms" "$seconds" <<'PY'
import json, sys
events, end, seconds = int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
for name, path in (("subscription", sys.argv[1]), ("webhooks", sys.argv[2])):
    s = json.load(open(path))
    span = max(s["last_ms"] - s["first_ms"], 1) / 1000
    print(f"{name}: {s['count']} of {events} events ({s['distinct']} distinct), "
          f"{s['count'] / span:.0f} events/s over {span:.1f} s, the last {max(s['last_ms'] - end, 0) / 1000:.1f} s after the load ended")
PY

# 3. Resident memory with idle subscriptions.
rss() { awk '/VmRSS/ { print $2 }' "/proc/$server/status"; }
sleep 2
idle_kib="$(rss)"
"$realtime" idle "ws://127.0.0.1:$port/graphql" "$token" "${IDLE_SUBSCRIPTIONS:-1000}" >"$work/idle.out" &
pids+=("$!")
for _ in $(seq 1 600); do grep -q '^open' "$work/idle.out" && break; sleep 0.1; done
sleep 3
open_kib="$(rss)"
echo "server RSS: $((idle_kib / 1024)) MiB idle, $((open_kib / 1024)) MiB with $(cut -d' ' -f2 "$work/idle.out") idle subscriptions: +$(( (open_kib - idle_kib) / 1024 )) MiB ($(( (open_kib - idle_kib) * 1024 / ${IDLE_SUBSCRIPTIONS:-1000} )) bytes each)"

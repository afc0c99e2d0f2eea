#!/usr/bin/env bash
# What operating revshare costs (SPEC §13), on PostgreSQL over loopback:
# batch ingestion (`recordEvents` of 1,000 events, 2 workers) and the nested
# ledger read (100 commissions with partner, group and campaign, 16
# clients), alternating ROUNDS times between
#
#   before   BEFORE_BIN, a build without metrics, spans or request logs;
#   quiet    this build with nothing configured;
#   metrics  this build with REVSHARE_METRICS_LISTEN, scraped every second;
#   traces   metrics, and every span exported over OTLP/HTTP to a local
#            collector (which answers 200 and keeps nothing).
#
# each run on a fresh database and server, each round starting with the
# next variant.
#
#   BEFORE_BIN=/path/to/revshare-before benches/observe.sh [SECONDS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
rounds="${2:-3}"
pgurl="${PGURL:-postgres://postgres@127.0.0.1:5432}"
dbname="${BENCH_DATABASE:-revshare_observe}"
port=18185
metrics_port=18186
collector_port=18187
work="$(mktemp -d)"
pids=()
trap 'for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
: "${BEFORE_BIN:?set BEFORE_BIN to a build without the observe module}"

if [ -z "${REVSHARE_BIN:-}" ]; then
  cargo build --release --quiet --bin revshare --example loadgen
fi
now_bin="${REVSHARE_BIN:-target/release/revshare}"
loadgen="${LOADGEN_BIN:-target/release/examples/loadgen}"
url="http://127.0.0.1:$port/graphql"
export REVSHARE_DATA_DIR="$work" REVSHARE_LISTEN="127.0.0.1:$port" RUST_LOG=warn REVSHARE_MATURITY_INTERVAL=0
export REVSHARE_JWT_SECRET="load-test-secret-load-test-secret-0123"

# An OTLP/HTTP collector that accepts and forgets.
python3 - "$collector_port" <<'PY' &
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class Sink(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Sink).serve_forever()
PY
pids+=("$!")

gql() { curl -sf "$url" -H "Authorization: Bearer $token" -H 'content-type: application/json' -d "$1"; }
id_of() { sed -E 's/.*"id":"([^"]+)".*/\1/'; }
rate() { python3 -c 'import sys; f = dict(kv.split("=") for kv in sys.argv[1].split()); print(round(1000 * float(f["requests"]) / float(f["seconds"])))' "$1"; }
reqs() { python3 -c 'import sys; f = dict(kv.split("=") for kv in sys.argv[1].split()); print(round(float(f["requests"]) / float(f["seconds"])))' "$1"; }

# run VARIANT: a fresh database, the server as VARIANT wants it, 16
# partners, warm-up; then the two loads. Prints "events/s reads/s".
run() {
  local bin="$now_bin" scraper=""
  local env=(env -u REVSHARE_METRICS_LISTEN -u OTEL_EXPORTER_OTLP_ENDPOINT)
  case "$1" in
    before) bin="$BEFORE_BIN" ;;
    quiet) ;;
    metrics) env+=(REVSHARE_METRICS_LISTEN="127.0.0.1:$metrics_port") ;;
    traces) env+=(REVSHARE_METRICS_LISTEN="127.0.0.1:$metrics_port" OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$collector_port") ;;
  esac
  psql "$pgurl/postgres" -qc "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" -c "CREATE DATABASE $dbname" 2>/dev/null
  export REVSHARE_DATABASE_URL="$pgurl/$dbname"
  "$bin" tenant create bench --name "Observe bench" >/dev/null
  "${env[@]}" "$bin" serve >>"$work/server.log" 2>&1 &
  local server=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  token="$("$bin" token --tenant bench --role admin --ttl 1h)"
  if [ "$1" != before ] && [ "$1" != quiet ]; then
    (while sleep 1; do curl -sf "http://127.0.0.1:$metrics_port/metrics" >/dev/null || true; done) &
    scraper=$!
  fi
  local group
  group="$(gql '{"query":"mutation { createPartnerGroup(input: { name: \"Ten\", rules: [{ recurring: { percentage: 10 } }] }) { id } }"}' | id_of)"
  local partners=()
  for i in $(seq 0 15); do
    partners+=("$(gql "{\"query\":\"mutation { createPartner(input: { name: \\\"Partner $i\\\", externalId: \\\"p-$i\\\", groupId: \\\"$group\\\" }) { id } }\"}" | id_of)")
  done
  python3 benches/batch.py "$work/batch.json" "${partners[@]}"
  echo '{"query":"{ commissions(first: 100) { nodes { amount partner { name group { name } } campaign { name } } } }"}' >"$work/ledger.json"
  sed 's/{{seq}}/warm-up-1/g' "$work/batch.json" | gql @- >/dev/null
  sed 's/{{seq}}/warm-up-2/g' "$work/batch.json" | gql @- >/dev/null
  # Statistics, and no checkpoint left over from the previous run's writes.
  psql "$pgurl/$dbname" -qc "ANALYZE" -c "CHECKPOINT"
  local ingest reads
  ingest="$(rate "$("$loadgen" "$url" "$token" "$work/batch.json" 2 "$seconds")")"
  reads="$(reqs "$("$loadgen" "$url" "$token" "$work/ledger.json" 16 "$seconds")")"
  [ -n "$scraper" ] && kill "$scraper" 2>/dev/null || true
  kill "$server"; wait "$server" 2>/dev/null || true
  echo "$ingest $reads"
}

variants=(before quiet metrics traces)
declare -A ingest reads
for round in $(seq 1 "$rounds"); do
  line="round $round:"
  # Each round starts with the next variant: a run's place in the round
  # (what the runs before it left to PostgreSQL) is not the variant's.
  order=("${variants[@]:$(( (round - 1) % 4 ))}" "${variants[@]:0:$(( (round - 1) % 4 ))}")
  for v in "${order[@]}"; do
    read -r i r < <(run "$v")
    ingest[$v]+="$i "
    reads[$v]+="$r "
    line+=" $v $i events/s $r reads/s;"
  done
  echo "$line"
done
python3 - "${ingest[before]}" "${ingest[quiet]}" "${ingest[metrics]}" "${ingest[traces]}" \
  "${reads[before]}" "${reads[quiet]}" "${reads[metrics]}" "${reads[traces]}" <<'PY'
import sys
names = ["before", "quiet", "metrics", "traces"]
mean = lambda s: sum(map(int, s.split())) / len(s.split())
ingest = dict(zip(names, map(mean, sys.argv[1:5])))
reads = dict(zip(names, map(mean, sys.argv[5:9])))
for label, figures, unit in (("batch ingestion", ingest, "events/s"), ("nested ledger read", reads, "req/s")):
    base = figures["before"]
    print(f"{label}: " + ", ".join(
        f"{n} {figures[n]:.0f} {unit}" + ("" if n == "before" else f" ({100 * (base - figures[n]) / base:+.1f} %)")
        for n in names) + " (positive: slower than before)")
PY

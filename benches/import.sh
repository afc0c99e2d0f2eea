#!/usr/bin/env bash
# Importing a program (SPEC §25) of 10,000 partners and 100,000
# commissions from a local server answering as Rewardful's API documents
# (page/limit=100, expand[], HTTP Basic), on SQLite (the default) or
# PostgreSQL: the time from startImport to DONE as the API answers it and
# each phase's share, the server's peak resident memory, the requests the
# import made, and programTotals held to the source's own totals to the
# cent. On PostgreSQL the rows the import made are then loaded with COPY
# into the same tables of a fresh database: the peer's time.
#
#   benches/import.sh                              # SQLite
#   BACKEND=postgres benches/import.sh
#   PARTNERS=1000 COMMISSIONS=10000 benches/import.sh
#
# Each partner has one link token and a PayPal address, every tenth a
# coupon (listed apart, as Rewardful does); 20,000
# referred customers; commissions of 10.00 on sales of 50.00, cycling
# through paid, due, pending and voided.
set -euo pipefail
cd "$(dirname "$0")/.."
partners="${PARTNERS:-10000}"
commissions="${COMMISSIONS:-100000}"
customers="${CUSTOMERS:-20000}"
backend="${BACKEND:-sqlite}"
pgurl="${PGURL:-postgres://postgres@127.0.0.1:5432}"
dbname="${BENCH_DATABASE:-revshare_bench_import}"
port=18186
source_port=18187
work="$(mktemp -d)"
trap 'kill "${server:-0}" "${fixture:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

case "$backend" in
  sqlite) database="sqlite://$work/bench.db?mode=rwc" ;;
  postgres)
    psql "$pgurl/postgres" -qc "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" -c "CREATE DATABASE $dbname"
    database="$pgurl/$dbname" ;;
  *) echo "BACKEND is sqlite or postgres" >&2; exit 2 ;;
esac
if [ -z "${REVSHARE_BIN:-}" ]; then
  cargo build --release --quiet --bin revshare
fi
bin="${REVSHARE_BIN:-target/release/revshare}"

# The source: Rewardful's objects, made as they are asked for.
python3 - "$source_port" "$partners" "$customers" "$commissions" >"$work/fixture.log" 2>&1 <<'PY' &
import json, sys
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
from urllib.parse import urlparse, parse_qs
port, partners, customers, commissions = map(int, sys.argv[1:5])
STATES = ["paid", "due", "pending", "voided"]

def affiliate(i):
    return {"id": "aff-%d" % i, "first_name": "Partner", "last_name": str(i), "email": "p%d@example.com" % i,
            "paypal_email": "p%d@example.com" % i, "created_at": "2025-06-01T00:00:00.000Z",
            "state": "active", "campaign": {"id": "c1", "name": "Standard"},
            "links": [{"id": "l%d" % i, "token": "p%d" % i}]}

def coupon(n):
    i = n * 10
    return {"id": "k%d" % i, "token": "SAVE%d" % i, "external_id": "promo_%d" % i,
            "archived": False, "affiliate_id": "aff-%d" % i}

def referral(j):
    return {"id": "ref-%d" % j, "conversion_state": "conversion", "stripe_customer_id": "cus_%d" % j,
            "affiliate": {"id": "aff-%d" % (j % partners)}, "link": {"token": "p%d" % (j % partners)},
            "created_at": "2026-01-01T00:00:00.000Z",
            "became_conversion_at": "2026-01-02T00:00:00.000Z"}

def commission(k):
    state = STATES[k % 4]
    j = k % customers
    day = "2026-%02d-%02dT10:00:00.000Z" % (1 + k % 10, 1 + k % 28)
    return {"id": "com-%d" % k, "amount": 1000, "currency": "USD", "state": state,
            "due_at": "2027-01-01T00:00:00.000Z" if state == "pending" else None,
            "paid_at": "2026-11-01T00:00:00.000Z" if state == "paid" else None,
            "voided_at": "2026-11-02T00:00:00.000Z" if state == "voided" else None,
            "created_at": day, "campaign": {"id": "c1"},
            "sale": {"id": "s%d" % k, "currency": "USD", "charged_at": day, "sale_amount_cents": 5000,
                     "referral": {"id": "ref-%d" % j, "stripe_customer_id": "cus_%d" % j},
                     "affiliate": {"id": "aff-%d" % (j % partners)}}}

LISTS = {
    "/v1/campaigns": (1, lambda i: {"id": "c1", "name": "Standard", "reward_type": "percent",
                                    "commission_percent": "20.0", "max_commission_period_months": None}),
    "/v1/affiliates": (partners, affiliate),
    "/v1/affiliate_coupons": (-(-partners // 10), coupon),
    "/v1/referrals": (customers, referral),
    "/v1/commissions": (commissions, commission),
}

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args):
        pass
    def do_GET(self):
        url = urlparse(self.path)
        query = parse_qs(url.query)
        total, make = LISTS[url.path]
        page, limit = int(query.get("page", ["1"])[0]), min(int(query.get("limit", ["25"])[0]), 100)
        first = (page - 1) * limit
        data = [make(i) for i in range(first, min(first + limit, total))]
        pages = max(1, -(-total // limit))
        body = json.dumps({"pagination": {"current_page": page, "next_page": page + 1 if page < pages else None,
                                          "total_count": total, "total_pages": pages, "limit": limit},
                           "data": data}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
PY
fixture=$!

export REVSHARE_DATABASE_URL="$database" REVSHARE_DATA_DIR="$work" REVSHARE_LISTEN="127.0.0.1:$port"
export REVSHARE_JWT_SECRET="load-test-secret-load-test-secret-0123" RUST_LOG=warn REVSHARE_MATURITY_INTERVAL=0
export REVSHARE_DATA_KEY="$(head -c 32 /dev/urandom | base64)" REVSHARE_WEBHOOK_ALLOW_PRIVATE=true
"$bin" tenant create bench --name "Import bench" >/dev/null
"$bin" serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
for _ in $(seq 1 50); do curl -s "http://127.0.0.1:$source_port/v1/campaigns" >/dev/null && break; sleep 0.1; done
token="$("$bin" token --tenant bench --role admin --ttl 4h)"

python3 - "http://127.0.0.1:$port/graphql" "$token" "http://127.0.0.1:$source_port" "$server" \
  "$partners" "$customers" "$commissions" "$backend" <<'PY'
import datetime, json, sys, time, urllib.request
url, token, base, server, partners, customers, commissions, backend = sys.argv[1:9]
partners, customers, commissions = int(partners), int(customers), int(commissions)

def post(query, variables=None):
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(url, body, {"content-type": "application/json", "authorization": "Bearer " + token})
    reply = json.load(urllib.request.urlopen(request, timeout=600))
    assert not reply.get("errors"), reply
    return reply["data"]

def memory(field):
    for line in open("/proc/%s/status" % server):
        if line.startswith(field):
            return int(line.split()[1]) // 1024

before = memory("VmRSS")
started = post("""mutation($base: String!) { startImport(input: { source: REWARDFUL,
  credentials: { apiKey: "bench-secret", baseUrl: $base } }) { id } }""", {"base": base})["startImport"]["id"]
# Each phase's seconds (campaigns, partners with their coupons,
# customers, commissions), as the progress crosses each quarter.
phases, phase, clock = [0.0] * 4, 0, time.monotonic()
while True:
    run = post("""query($id: ID!) { import(id: $id) { status error startedAt finishedAt progress
      counts { partners codes customers commissions skipped unchanged requests } } }""", {"id": started})["import"]
    now_phase = min(3, int(run["progress"] * 4))
    if run["status"] != "RUNNING" or now_phase != phase:
        phases[phase] += time.monotonic() - clock
        phase, clock = now_phase, time.monotonic()
    if run["status"] != "RUNNING":
        break
    time.sleep(0.5)
assert run["status"] == "DONE", run
at = lambda t: datetime.datetime.fromisoformat(t.replace("Z", "+00:00"))
seconds = (at(run["finishedAt"]) - at(run["startedAt"])).total_seconds()
counts = run["counts"]
assert (counts["partners"], counts["customers"], counts["commissions"]) == (partners, customers, commissions), counts
assert counts["codes"] == partners + -(-partners // 10), counts

# The source's own totals: 10.00 a commission, a quarter in each state;
# voided ones are reversed, so in no column.
each = lambda state: sum(1 for k in range(commissions) if ("paid", "due", "pending", "voided")[k % 4] == state) * 10
totals = post("{ programTotals { currency accrued approved paid } }")["programTotals"]
expected = [{"currency": "USD", "accrued": "%d.00" % each("pending"), "approved": "%d.00" % each("due"), "paid": "%d.00" % each("paid")}]
assert totals == expected, (totals, expected)

print(json.dumps({
    "backend": backend, "partners": partners, "customers": customers, "commissions": commissions,
    "seconds": round(seconds, 1), "commissions_per_second": round(commissions / seconds),
    "phase_seconds": dict(zip(["campaigns", "partners", "customers", "commissions"], [round(p, 1) for p in phases])),
    "requests": counts["requests"], "codes": counts["codes"],
    "rss_before_mib": before, "rss_peak_mib": memory("VmHWM"),
    "program_totals": totals[0],
}))
PY

# PostgreSQL's own bulk load as the peer: the rows the import made, loaded
# with COPY into the same tables (every constraint, index and trigger, from
# the import's schema) of a fresh database holding what was there before.
if [ "$backend" = postgres ]; then
  copied="${dbname}_copy"
  made=(partners referral_codes payout_methods attributions customers partner_totals
        events commissions commission_stats ledger_totals partner_balances)
  only=(); for t in "${made[@]}"; do only+=(-t "$t"); done
  except=(); for t in "${made[@]}"; do except+=(-T "$t"); done
  psql "$pgurl/postgres" -qc "DROP DATABASE IF EXISTS $copied WITH (FORCE)" -c "CREATE DATABASE $copied"
  pg_dump --schema-only "$pgurl/$dbname" | psql -q "$pgurl/$copied" >/dev/null
  pg_dump --data-only --disable-triggers "${except[@]}" "$pgurl/$dbname" | psql -q "$pgurl/$copied" >/dev/null
  pg_dump --data-only "${only[@]}" "$pgurl/$dbname" >"$work/made.sql"
  psql "$pgurl/$copied" -qc "ANALYZE"
  started=$(date +%s.%N)
  psql -q -v ON_ERROR_STOP=1 "$pgurl/$copied" -f "$work/made.sql" >/dev/null
  ended=$(date +%s.%N)
  rows=$(psql -At "$pgurl/$copied" -c "SELECT (SELECT count(*) FROM commissions) + (SELECT count(*) FROM events)")
  python3 -c "import json,sys; print(json.dumps({'copy_seconds': round(float(sys.argv[2]) - float(sys.argv[1]), 1), 'copy_events_and_commissions': int(sys.argv[3])}))" "$started" "$ended" "$rows"
  psql "$pgurl/postgres" -qc "DROP DATABASE $copied WITH (FORCE)"
fi

#!/usr/bin/env bash
# Backtests (SPEC §23) at 100,000 and at 1,000,000 events, on PostgreSQL:
# one tenant's ledger grown through recordEvents (every rule reading
# history, a monthly tier with retroactive adjustments, refunds), then one
# backtest of a group's rules over the whole range, timed from its
# startedAt to its finishedAt as the API answers them, with the server's
# resident memory before and at its peak while it replays. At 1,000,000,
# the first 100,000 events' range is backtested again: what the rest of
# the ledger costs it.
#
#   benches/backtest.sh
#   SMALL=100000 LARGE=1000000 benches/backtest.sh
#
# 100 partners in one group; events spread over days, in order; one in
# fifty refunded by half.
set -euo pipefail
cd "$(dirname "$0")/.."
small="${SMALL:-100000}"
large="${LARGE:-1000000}"
pgurl="${PGURL:-postgres://postgres@127.0.0.1:5432}"
dbname="${BENCH_DATABASE:-revshare_bench_backtest}"
port=18185
work="$(mktemp -d)"
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

psql "$pgurl/postgres" -qc "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" -c "CREATE DATABASE $dbname"
if [ -z "${REVSHARE_BIN:-}" ]; then
  cargo build --release --quiet --bin revshare
fi
bin="${REVSHARE_BIN:-target/release/revshare}"
export REVSHARE_DATABASE_URL="$pgurl/$dbname" REVSHARE_DATA_DIR="$work" REVSHARE_LISTEN="127.0.0.1:$port"
export REVSHARE_JWT_SECRET="load-test-secret-load-test-secret-0123" RUST_LOG=warn REVSHARE_MATURITY_INTERVAL=0

"$bin" tenant create bench --name "Backtest bench" >/dev/null
"$bin" serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
token="$("$bin" token --tenant bench --role admin --ttl 4h)"
url="http://127.0.0.1:$port/graphql"

python3 - "$url" "$token" "$small" "$large" "$pgurl/$dbname" "$server" <<'PY'
import datetime, json, subprocess, sys, time, urllib.error, urllib.request
url, token, small, large, db, server = sys.argv[1:7]
small, large = int(small), int(large)

def post(query, variables=None, retry=False):
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(url, body, {
        "content-type": "application/json", "authorization": "Bearer " + token})
    while True:
        try:
            reply = json.load(urllib.request.urlopen(request, timeout=3600))
            break
        except urllib.error.HTTPError as error:
            # 503: past the request's deadline on a loaded machine; a batch
            # sent again is recorded once (its externalIds).
            if error.code != 503 or not retry:
                raise
            time.sleep(1)
    assert not reply.get("errors"), reply
    return reply["data"]

def rss():
    for line in open("/proc/%s/status" % server):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) // 1024

rules = """[{ recurring: { percentage: 10, maxMonths: 24 } },
  { newCustomerTimeTier: { maxMonths: 1, percentage: 5 } },
  { partnerLtvUpgrade: { minLtvTotal: 5000, upgradePercentage: 2 } },
  { qualifiedCustomersUpgrade: { minCustomers: 50, upgradePercentage: 1 } },
  { chargeThresholdBonus: { minChargeTotal: 200, bonus: 5 } }]"""
group = post("mutation { createPartnerGroup(input: { name: \"Ten\", rules: %s }) { id } }" % rules)["createPartnerGroup"]["id"]
partners = [post("mutation($g: ID!) { createPartner(input: { name: \"P%d\", groupId: $g }) { id } }" % i, {"g": group})["createPartner"]["id"] for i in range(100)]
default = [c["id"] for c in post("{ campaigns { nodes { id isDefault } } }")["campaigns"]["nodes"] if c["isDefault"]]
post("""mutation($p: [ID!]!, $c: [ID!]!) { createTieredCommission(input: { name: "Monthly", status: ACTIVE,
  startDate: "2020-01-01", endDate: "2099-12-31", period: MONTHLY, partnerIds: $p,
  campaignIds: $c, payout: { action: INCREASE, value: "10" },
  retroactivePayout: { action: FLAT_INCREASE, value: "1" }, goals: { conversions: 200 } }) { id } }""",
     {"p": partners, "c": default})

base = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
record = "mutation($e: [RecordEventInput!]!) { recordEvents(input: $e) { error { code message } } }"
refund = "mutation($i: RecordRefundInput!) { recordRefund(input: $i) { event { id } } }"
done = 0

def at(n):
    # 2,000 events a day: the small range is 50 days, the large one 500.
    return base + datetime.timedelta(seconds=n * 43.2)

def grow(target):
    global done
    began = time.time()
    while done < target:
        items = []
        for i in range(1000):
            n = done + i
            items.append({"externalId": "e-%d" % n, "partnerId": partners[n % 100],
                          "customerExternalId": "c-%d-%d" % (n % 100, (n // 100) % 400),
                          "amount": "%d.90" % (10 + n % 90),
                          "occurredAt": at(n).strftime("%Y-%m-%dT%H:%M:%SZ")})
        answers = post(record, {"e": items}, retry=True)["recordEvents"]
        assert all(a["error"] is None for a in answers), answers[:3]
        for i in range(0, 1000, 50):
            post(refund, {"i": {"eventExternalId": "e-%d" % (done + i), "amount": "5"}})
        done += 1000
        if done % 100000 == 0:
            subprocess.run(["psql", db, "-qc", "VACUUM ANALYZE"], check=True)
    subprocess.run(["psql", db, "-qc", "VACUUM ANALYZE"], check=True)
    print("grew to %d events in %.0f s" % (done, time.time() - began), file=sys.stderr)

def backtest(events, label):
    frm = base.strftime("%Y-%m-%dT%H:%M:%SZ")
    to = at(events).strftime("%Y-%m-%dT%H:%M:%SZ")
    idle = rss()
    started = post("""mutation($g: ID!, $from: DateTime!, $to: DateTime!) { startBacktest(input: {
        from: $from, to: $to, groupId: $g, rules: [{ recurring: { percentage: 12 } }] }) { id status events } }""",
        {"g": group, "from": frm, "to": to})["startBacktest"]
    peak = idle
    while True:
        found = post("query($id: ID!) { backtest(id: $id) { status events startedAt finishedAt totals { before after difference } } }",
                     {"id": started["id"]})["backtest"]
        peak = max(peak, rss())
        if found["status"] != "RUNNING":
            break
        time.sleep(0.05)
    assert found["status"] == "DONE", found
    parse = lambda s: datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
    seconds = (parse(found["finishedAt"]) - parse(found["startedAt"])).total_seconds()
    print("| %s | %d | %.1f | %.0f | %d | +%d | %s |" % (label, found["events"], seconds,
          found["events"] / seconds, idle, peak - idle, found["totals"]))

print("| backtest | events | seconds | events/s | RSS idle (MiB) | RSS at the peak | totals |")
print("|---|---|---|---|---|---|---|")
grow(small)
backtest(small, "%d of %d" % (small, small))
grow(large)
backtest(large, "%d of %d" % (large, large))
backtest(small, "%d of %d" % (small, large))
PY

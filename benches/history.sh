#!/usr/bin/env bash
# What history costs, on PostgreSQL: one tenant's ledger grown through
# recordEvents to SMALL and then to LARGE commissions; at each size the
# reads a console and a portal make, each by one client (loadgen at
# concurrency 1, the p50 of every request in SECONDS), and recordEvents
# (1,000 events a request, two clients, SECONDS); then each read's ratio
# large/small.
#
#   benches/history.sh [SECONDS]
#   SMALL=20000 LARGE=1000000 benches/history.sh 5
#   FEATURES=all benches/history.sh 5     # the whole sale path in use
#
# 100 partners in a 10 % group; sales spread over 90 days; a fifth of each
# growing batch approved, so every status has rows. FEATURES=all puts every
# feature of the sale's path in use on the same partners: a monthly cap
# per partner (never reached, so every sale reads what its partner spent),
# a referrer for each partner (10 % of its commissions), two conditional
# rules beside the recurring one, a performance bounty and two workflows
# that react after each sale — and the activity log, which is always on.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-5}"
small="${SMALL:-20000}"
large="${LARGE:-1000000}"
features="${FEATURES:-none}"
database=postgres
dbname="${BENCH_DATABASE:-revshare_bench_history}"
port=18190
title="History bench"
# shellcheck source=benches/serve.sh
. benches/serve.sh

if [ "$features" = all ]; then
  rules='[{ conditional: { when: { test: { subject: EVENT_METADATA, key: \"channel\", operator: EQ, value: \"partner-portal\" } }, then: { amount: \"5.00\" } } }, { conditional: { when: { test: { subject: CUSTOMER_COUNTRY, operator: IN, values: [\"AT\", \"CH\"] } }, then: { percentage: \"12\" } } }, { recurring: { percentage: 10 } }]'
else
  rules='[{ recurring: { percentage: 10 } }]'
fi
group="$(gql "{\"query\":\"mutation { createPartnerGroup(input: { name: \\\"Ten\\\", rules: $rules }) { id } }\"}" | id_of)"
[ -n "$group" ] && [ "${group#\{}" = "$group" ] || { echo "no group: $group" >&2; exit 1; }
if [ "$features" = all ]; then
  gql "{\"query\":\"mutation { updatePartnerGroup(id: \\\"$group\\\", input: { cap: { amount: \\\"1000000000\\\", currency: \\\"USD\\\", period: MONTH, per: PARTNER } }) { id } }\"}" | grep -q '"id"'
  referrers="$(gql '{"query":"mutation { createPartnerGroup(input: { name: \"Ambassadors\", rules: [{ recurring: { percentage: 10 } }] }) { id } }"}' | id_of)"
  gql "{\"query\":\"mutation { updatePartnerGroup(id: \\\"$referrers\\\", input: { referral: { trigger: COMMISSION, percentage: \\\"10\\\" } }) { id } }\"}" | grep -q '"id"'
fi
partners=()
for i in $(seq 0 99); do
  partners+=("$(gql "{\"query\":\"mutation { createPartner(input: { name: \\\"Partner $i\\\", groupId: \\\"$group\\\" }) { id } }\"}" | id_of)")
  if [ "$features" = all ]; then
    referrer="$(gql "{\"query\":\"mutation { createPartner(input: { name: \\\"Referrer $i\\\", groupId: \\\"$referrers\\\" }) { id } }\"}" | id_of)"
    gql "{\"query\":\"mutation { setReferrer(input: { partnerId: \\\"${partners[$i]}\\\", referrerId: \\\"$referrer\\\" }) { id } }\"}" | grep -q '"id"'
  fi
done
if [ "$features" = all ]; then
  gql "{\"query\":\"mutation { createBounty(input: { name: \\\"A million sold\\\", goal: { metric: SALE_AMOUNT, value: \\\"1000000\\\" }, reward: { amount: \\\"50.00\\\", currency: \\\"USD\\\" }, type: PERFORMANCE, groupIds: [\\\"$group\\\"], startsAt: \\\"2020-01-01T00:00:00Z\\\" }) { id } }\"}" | grep -q '"id"'
  gql '{"query":"mutation { createWorkflow(input: { name: \"A million sales\", trigger: { metricReached: { metric: SALES, value: \"1000000\" } }, actions: [{ addTag: \"million\" }] }) { id } }"}' | grep -q '"id"'
  gql '{"query":"mutation { createWorkflow(input: { name: \"Ten million earned\", trigger: { metricReached: { metric: COMMISSION_AMOUNT, value: \"10000000\" } }, actions: [{ addTag: \"rich\" }] }) { id } }"}' | grep -q '"id"'
fi
printf '%s\n' "${partners[@]}" >"$work/partners.txt"

# Growing batch B of 1,000 sales: partner i % 100, (B * 7 + i) % 90 days
# and i % 1440 minutes before the run's start, customers repeating (a
# tenth of them in Austria, each a tenth sale from the portal); the first
# 200 commissions of each batch approved.
start="$(date -u +%s)"
batches=0
grow() {
  local began from=$batches
  began="$(date +%s.%N)"
  batches="$(python3 - "$work/partners.txt" "$url" "$token" "$batches" "$(($1 / 1000))" "$start" "$pgurl/$dbname" <<'PY'
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
        item = {"externalId": "e-%d-%d" % (batch, i), "partnerId": partners[i % 100],
                "customerExternalId": "c-%d" % (i % 500), "amount": "19.90",
                "occurredAt": at.strftime("%Y-%m-%dT%H:%M:%SZ")}
        if i % 10 == 3:
            item["metadata"] = {"channel": "partner-portal"}
        if i % 500 < 50:
            item["customer"] = {"country": "AT"}
        items.append(item)
    answers = post({"query": record, "variables": {"e": items}})["recordEvents"]
    assert all(a["error"] is None for a in answers), answers[:3]
    ids = [c["id"] for a in answers for c in a["payload"]["commissions"]][:200]
    post({"query": approve, "variables": {"ids": ids}})
    # Tables as autovacuum keeps them (this machine runs without it).
    if batch == 2 or batch % 100 == 0:
        subprocess.run(["psql", db, "-qc", "VACUUM ANALYZE"], check=True)
print(target)
PY
)"
  psql "$pgurl/$dbname" -qc "VACUUM ANALYZE"
  echo "grew to $(psql "$pgurl/$dbname" -Atc "SELECT count(*) FROM commissions") commissions ($(((batches - from) * 1000)) sales in $(printf %.0f "$(echo "$(date +%s.%N) - $began" | bc)") s)" >&2
}

from="$(date -u -d "@$((start - 90 * 86400))" +%Y-%m-%dT00:00:00Z)"
to="$(date -u -d "@$((start + 86400))" +%Y-%m-%dT00:00:00Z)"
partner="${partners[7]}"
partner_token="$("$bin" token --tenant bench --role partner --partner "$partner" --ttl 2h)"
q() { printf '{"query":%s}' "$(python3 -c 'import json,sys; print(json.dumps(sys.argv[1]))' "$1")" >"$work/$2.json"; }
q "{ commissions(partnerId: \"$partner\", first: 50) { nodes { id amount status } } }" partner_page
q "{ commissions(status: ACCRUED, first: 50) { nodes { id amount status } } }" accrued_page
q "{ commissions(status: ACCRUED, first: 50) { totalCount nodes { id amount status } } }" accrued_count
q "{ commissions(first: 50) { totalCount nodes { id amount status } } }" ledger_count
q "{ commissions(first: 100) { nodes { amount partner { name group { name } } campaign { name } } } }" ledger_nested
q "{ partners(first: 50) { nodes { name balance { currency accrued approved } } } }" balances
q "{ events(first: 50) { nodes { id externalId amount occurredAt } } }" event_feed
q "{ programTotals { currency accrued approved paid } }" totals
q "{ commissionStats(interval: MONTH, from: \"$from\", to: \"$to\", partnerId: \"$partner\") { start accrued paid } }" stats
q "{ viewer { partner { balance { currency accrued approved paid } commissions(first: 20) { totalCount nodes { amount status accruedAt } } } } }" portal
reads=(partner_page accrued_page accrued_count ledger_count ledger_nested balances event_feed totals stats portal)
for read in "${reads[@]}"; do
  who="$token"; [ "$read" = portal ] && who="$partner_token"
  curl -sf "$url" -H "Authorization: Bearer $who" -H 'content-type: application/json' -d @"$work/$read.json" \
    | grep -q '"errors"' && { echo "the $read read answers an error" >&2; exit 1; }
done
python3 benches/batch.py "$work/batch.json" "${partners[@]}"

p50() { sed -nE 's/.* p50_ms=([0-9.]+) .*/\1/p'; }
measure() {
  for read in "${reads[@]}"; do
    local who="$token"
    [ "$read" = portal ] && who="$partner_token"
    "$loadgen" "$url" "$who" "$work/$read.json" 1 "$seconds" | p50 >"$work/$read.$1"
  done
  local out
  out="$(concurrency=2 load "$work/batch.json")"
  echo "recordEvents at $1: $out" >&2
  python3 -c "import sys; print('%.0f' % (int(sys.argv[1]) * 1000 / float(sys.argv[2])))" \
    "$(echo "$out" | sed -nE 's/^requests=([0-9]+).*/\1/p')" "$(echo "$out" | sed -nE 's/.* seconds=([0-9.]+).*/\1/p')" >"$work/sales.$1"
  analyze
}

grow "$small"
measure small
grow "$large"
measure large
echo "| read ($features features) | $small commissions (p50 ms) | $large commissions (p50 ms) | large/small |"
echo "|---|---|---|---|"
for read in "${reads[@]}"; do
  s="$(cat "$work/$read.small")" l="$(cat "$work/$read.large")"
  echo "| $read | $s | $l | $(echo "scale=2; $l / $s" | bc) |"
done
echo "| recordEvents × 1,000, sales/s | $(cat "$work/sales.small") | $(cat "$work/sales.large") | $(echo "scale=2; $(cat "$work/sales.large") / $(cat "$work/sales.small")" | bc) |"

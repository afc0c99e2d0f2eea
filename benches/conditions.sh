#!/usr/bin/env bash
# What conditional rewards cost a sale (SPEC §32): `recordEvents` of
# batches of ten sales, each of three lines, for partners whose group holds
# 20 conditional rules (the line's product, interval and metadata, the
# customer's country, the partner's tags and the event's metadata tried in
# order, most matching nothing, the last paying nothing on hardware) beside
# a recurring rule — against the same batches of plain sales (no lines) in
# a group of one recurring rule. Alternated for ROUNDS rounds on one
# database, one server, the first of each round alternating; the first
# round (a cold server) is left out of the figures.
#
#   benches/conditions.sh [CONCURRENCY] [SECONDS]
#   ROUNDS=4 DATABASE=sqlite benches/conditions.sh 16 8
#
# DATABASE=postgres (the default) or sqlite. BATCH sets the sales in each
# request (10). Each run's line ends with the CPU the server and PostgreSQL
# spent per request.
set -euo pipefail
cd "$(dirname "$0")/.."
concurrency="${1:-16}"
seconds="${2:-8}"
rounds="${ROUNDS:-3}"
batch="${BATCH:-10}"
database="${DATABASE:-postgres}"
dbname="${BENCH_DATABASE:-revshare_bench_conditions}"
port=18189
title="Conditions bench"
# shellcheck source=benches/serve.sh
. benches/serve.sh

# The 20 conditional rules, as JSON, then the recurring rule.
rules="$(python3 - <<'PY'
import json
rules = []
for k in range(14):
    rules.append({"conditional": {"description": f"Product {k}",
        "when": {"test": {"subject": "LINE_PRODUCT", "operator": "EQ", "value": f"prod_{k}"}},
        "then": {"percentage": "30"}}})
rules.append({"conditional": {"when": {"all": [
    {"test": {"subject": "PARTNER_TAG", "operator": "EQ", "value": "agency"}},
    {"test": {"subject": "CUSTOMER_COUNTRY", "operator": "IN", "values": ["DE", "AT", "CH"]}}]},
    "then": {"percentage": "35"}}})
rules.append({"conditional": {"when": {"test": {"subject": "EVENT_METADATA", "key": "channel",
    "operator": "EQ", "value": "partner-portal"}}, "then": {"amount": "5.00"}}})
rules.append({"conditional": {"when": {"test": {"subject": "LINE_METADATA", "key": "seats",
    "operator": "GTE", "value": "50"}}, "then": {"amount": "1.00", "perUnit": True}}})
rules.append({"conditional": {"description": "Yearly plans", "when": {"all": [
    {"test": {"subject": "LINE_INTERVAL", "operator": "EQ", "value": "YEAR"}},
    {"not": {"test": {"subject": "LINE_COUPON", "operator": "EXISTS"}}}]},
    "then": {"percentage": "40", "maxMonths": 12}}})
rules.append({"conditional": {"when": {"any": [
    {"test": {"subject": "LINE_PRODUCT", "operator": "STARTS_WITH", "value": "addon_"}},
    {"test": {"subject": "LINE_PRICE", "operator": "IN", "values": ["price_a", "price_b"]}}]},
    "then": {"percentage": "15"}}})
rules.append({"conditional": {"when": {"test": {"subject": "LINE_PRODUCT", "operator": "IN",
    "values": ["prod_hw", "prod_kit"]}}, "then": {"nothing": True}}})
rules.append({"recurring": {"percentage": "10"}})
assert sum(1 for r in rules if "conditional" in r) == 20
print(json.dumps(rules))
PY
)"
query='mutation($input: CreatePartnerGroupInput!) { createPartnerGroup(input: $input) { id } }'
plain="$(gql "$(python3 -c 'import json,sys; print(json.dumps({"query": sys.argv[1], "variables": {"input": {"name": "Plain", "rules": [{"recurring": {"percentage": "10"}}]}}}))' "$query")" | id_of)"
conditional="$(gql "$(python3 -c 'import json,sys; print(json.dumps({"query": sys.argv[1], "variables": {"input": {"name": "Conditional", "rules": json.loads(sys.argv[2])}}}))' "$query" "$rules")" | id_of)"
case "$conditional" in *errors*|"") echo "the conditional group was refused: $conditional" >&2; exit 1 ;; esac
for i in $(seq 0 $((concurrency - 1))); do
  gql "{\"query\":\"mutation { createPartner(input: { name: \\\"Plain $i\\\", externalId: \\\"p-$i\\\", groupId: \\\"$plain\\\" }) { id } }\"}" >/dev/null
  gql "{\"query\":\"mutation { createPartner(input: { name: \\\"Lines $i\\\", externalId: \\\"l-$i\\\", groupId: \\\"$conditional\\\", tags: [\\\"reseller\\\"] }) { id } }\"}" >/dev/null
done

# A batch of BATCH sales of 1330.00: plain, or a yearly plan, an add-on
# and hardware; sent in the request's variables, as clients send a batch
# (LITERALS=1: written into the query itself).
python3 - "$work" "$batch" "${LITERALS:-0}" <<'PY'
import json, sys
work, batch, literals = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
lines = [
    {"externalId": "yearly", "productId": "prod_pro", "planInterval": "YEAR", "amount": "1200.00"},
    {"externalId": "addon", "productId": "addon_seats", "planInterval": "MONTH", "quantity": 3, "amount": "30.00"},
    {"externalId": "hw", "productId": "prod_hw", "planInterval": "ONE_TIME", "amount": "100.00"},
]
answer = "{ error { code } payload { commissions { amount } } }"
for kind, extra in (("p", {}), ("l", {"lines": lines})):
    items = [dict({"externalId": f"{kind}-{{{{seq}}}}-{n}", "partnerExternalId": f"{kind}-{{{{worker}}}}",
                   "customerExternalId": f"c-{{{{seq}}}}-{n}", "amount": "1330.00"}, **extra)
             for n in range(batch)]
    if literals:
        # GraphQL's input literals: keys unquoted, enum values bare.
        text = json.dumps(items)
        for key in ("externalId", "partnerExternalId", "customerExternalId", "amount", "lines",
                    "productId", "planInterval", "quantity"):
            text = text.replace(f'"{key}":', f"{key}:")
        for value in ("YEAR", "MONTH", "ONE_TIME"):
            text = text.replace(f'"{value}"', value)
        body = {"query": f"mutation {{ recordEvents(input: {text}) {answer} }}"}
    else:
        body = {"query": f"mutation($input: [RecordEventInput!]!) {{ recordEvents(input: $input) {answer} }}",
                "variables": {"input": items}}
    open(f"{work}/{kind}.json", "w").write(json.dumps(body))
PY
# One batch of each first: every item recorded, at the amounts expected.
check() {
  local body; body="$(sed -e "s/{{seq}}/check/g" -e "s/{{worker}}/0/g" "$work/$1.json")"
  local answer; answer="$(gql "$body")"
  case "$answer" in *'"error":{'*|*'"errors"'*) echo "a $1 batch was refused: $answer" >&2; exit 1 ;; esac
  echo "$answer" | grep -q "\"amount\":\"$2\"" || { echo "a $1 sale did not earn $2: $answer" >&2; exit 1; }
}
check p 133.00
check l 484.50

plain_sum=0; lines_sum=0
rps() { sed -nE 's/.* rps=([0-9]+) .*/\1/p'; }
for round in $(seq 1 "$rounds"); do
  # Which set goes first alternates: the database grows as the bench runs.
  if [ $((round % 2)) -eq 1 ]; then
    analyze
    without="$(load "$work/p.json")"
    analyze
    with="$(load "$work/l.json")"
  else
    analyze
    with="$(load "$work/l.json")"
    analyze
    without="$(load "$work/p.json")"
  fi
  echo "round $round: plain sales: $without"
  echo "round $round: three-line sales under 20 conditional rules: $with"
  # The first round's first run is on a cold server: left out when there
  # are more.
  if [ "$round" -gt 1 ] || [ "$rounds" -eq 1 ]; then
    plain_sum=$((plain_sum + $(echo "$without" | rps)))
    lines_sum=$((lines_sum + $(echo "$with" | rps)))
  fi
done
counted=$(( rounds > 1 ? rounds - 1 : 1 ))
echo "recordEvents of $batch ($database, $concurrency clients, the last $counted rounds): plain $((plain_sum * batch / counted)) sales/s; three lines under 20 conditional rules $((lines_sum * batch / counted)) sales/s ($((100 * lines_sum / plain_sum)) %)"

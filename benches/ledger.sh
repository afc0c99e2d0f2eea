#!/usr/bin/env bash
# Ledger ingestion and reads over HTTP on PostgreSQL, beside pgbench's
# single-row INSERT and PostgreSQL doing a batch's writes itself in SQL on
# the same server, with the ratios; then batches with two tiers in scope,
# alternated with the same batches with the tiers inactive.
#
#   benches/ledger.sh [CONCURRENCY] [SECONDS]
#   BENCH_DATABASE=revshare_bench PGURL=postgres://postgres@127.0.0.1:5432 benches/ledger.sh
#   REVSHARE_BIN=/path/to/other/revshare benches/ledger.sh   # A/B against another build
#   TIER_ROUNDS=3 benches/ledger.sh                             # rounds of the tier phase
#   MOVE_DEALS=30000 benches/ledger.sh                          # deals made for the moveDeal phase
#
# Loopback only; each run is bounded by SECONDS. The bench database is
# dropped and created anew.
set -euo pipefail
cd "$(dirname "$0")/.."
concurrency="${1:-16}"
seconds="${2:-10}"
pgurl="${PGURL:-postgres://postgres@127.0.0.1:5432}"
dbname="${BENCH_DATABASE:-revshare_bench}"
port=18182
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

"$bin" tenant create bench --name "Ledger bench" >/dev/null
"$bin" serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
token="$("$bin" token --tenant bench --role admin --ttl 1h)"
url="http://127.0.0.1:$port/graphql"
gql() { curl -sf "$url" -H "Authorization: Bearer $token" -H 'content-type: application/json' -d "$1"; }
id_of() { sed -E 's/.*"id":"([^"]+)".*/\1/'; }

group="$(gql '{"query":"mutation { createPartnerGroup(input: { name: \"Ten\", rules: [{ newCustomerTimeTier: { maxMonths: 3, percentage: 25 } }, { recurring: { percentage: 10 } }] }) { id } }"}' | id_of)"
partners=()
for i in $(seq 0 $((concurrency - 1))); do
  # Each partner has an address, so every commission writes its
  # COMMISSION_EARNED e-mail (no SMTP server: it waits in the outbox).
  partners+=("$(gql "{\"query\":\"mutation { createPartner(input: { name: \\\"Partner $i\\\", externalId: \\\"p-$i\\\", email: \\\"p-$i@bench.example\\\", groupId: \\\"$group\\\" }) { id } }\"}" | id_of)")
done

# pgbench: a single-row INSERT into a table like the event table's hot path.
psql "$pgurl/$dbname" -qc "CREATE TABLE pgbench_single (id bigserial PRIMARY KEY, external_id text UNIQUE, amount_minor bigint)"
echo "INSERT INTO pgbench_single (external_id, amount_minor) VALUES (md5(random()::text || clock_timestamp()::text), 100);" >"$work/insert.sql"
pg_tps="$(pgbench -n -c "$concurrency" -j 2 -T "$seconds" -f "$work/insert.sql" "$pgurl/$dbname" 2>/dev/null | sed -nE 's/^tps = ([0-9.]+).*/\1/p')"

# One event per request; each worker sends for its own partner.
cat >"$work/single.json" <<'JSON'
{"query":"mutation { recordEvent(input: { externalId: \"s-{{seq}}\", partnerExternalId: \"p-{{worker}}\", customerExternalId: \"c-{{seq}}\", amount: \"49.90\" }) { commissions { amount } } }"}
JSON
# 1,000 events per request, as a client sends them: in a variable.
python3 benches/batch.py "$work/batch.json" "${partners[@]}"
# Deals: a two-stage pipeline and a plan paying 10 % when a deal is won and
# 5 % of every payment after; one deal per partner, won before the run.
stages="$(gql '{"query":"mutation { a: createDealStage(input: { name: \"Proposal\", position: 10 }) { id } b: createDealStage(input: { name: \"Closed won\", position: 20 }) { id } }"}')"
proposal="$(echo "$stages" | sed -E 's/.*"a":\{"id":"([^"]+)".*/\1/')"
won="$(echo "$stages" | sed -E 's/.*"b":\{"id":"([^"]+)".*/\1/')"
gql "{\"query\":\"mutation { createCommissionPlan(input: { label: \\\"Bench\\\", partnerType: REFERRAL, entries: [{ paymentStageId: \\\"$won\\\", calculation: { split: { oneOff: { value: \\\"10%\\\" }, recurring: { value: \\\"5%\\\" } } } }] }) { id } }\"}" >/dev/null
deals=()
for i in $(seq 0 $((concurrency - 1))); do
  deals+=("$(gql "{\"query\":\"mutation { createDeal(input: { externalId: \\\"bench-deal-$i\\\", partnerExternalId: \\\"p-$i\\\", name: \\\"Deal $i\\\", amount: \\\"1200\\\", stageId: \\\"$won\\\" }) { id } }\"}" | id_of)")
done
# Payments: one body per deal; loadgen's workers take them in turn, each
# starting at its own, so at a time the workers are mostly on different
# deals (as the recordEvent workers are on different partners).
pay_files=()
for i in $(seq 0 $((concurrency - 1))); do
  echo "{\"query\":\"mutation { recordDealPayment(input: { dealId: \\\"${deals[$i]}\\\", externalId: \\\"pay-{{seq}}\\\", amount: \\\"100\\\" }) { commissions { amount } } }\"}" >"$work/pay-$i.json"
  pay_files+=("$work/pay-$i.json")
done
# Moves: every request moves a deal of its own from Proposal to Closed won,
# which earns its 10 % (MOVE_DEALS deals, more than a run moves; loadgen
# takes the next one for each request, the partners in turn).
python3 benches/deals.py "$url" "$token" "$proposal" "${MOVE_DEALS:-30000}" "$concurrency" "$work/move-deals.txt"
echo "{\"query\":\"mutation { moveDeal(input: { dealId: \\\"{{pick}}\\\", stageId: \\\"$won\\\", externalId: \\\"m-{{seq}}\\\" }) { commissions { amount } } }\"}" >"$work/move.json"
join() { local IFS=,; echo "$*"; }

cat >"$work/ledger.json" <<'JSON'
{"query":"{ commissions(first: 100) { nodes { amount partner { name group { name } } campaign { name } } } }"}
JSON

loadgen="${LOADGEN_BIN:-target/release/examples/loadgen}"
# Warm-up: a few thousand events, then ANALYZE, so the planner works from
# statistics as autovacuum keeps them on a live database rather than from
# the empty tables of a database made a second ago.
sed 's/{{seq}}/warm-up-1/g' "$work/batch.json" | gql @- >/dev/null
sed 's/{{seq}}/warm-up-2/g' "$work/batch.json" | gql @- >/dev/null
psql "$pgurl/$dbname" -qc "ANALYZE"
echo "pgbench single-row INSERT: tps=$pg_tps (concurrency $concurrency)"
single="$("$loadgen" "$url" "$token" "$work/single.json" "$concurrency" "$seconds")"
echo "recordEvent (1 event/request): $single"
# The deal events right after, on the same database: the batch and copy
# phases below add some 350,000 events, and a phase run after them works on
# larger tables than recordEvent did.
moves="$(LOADGEN_PICK="$work/move-deals.txt" "$loadgen" "$url" "$token" "$work/move.json" "$concurrency" "$seconds")"
echo "moveDeal (each deal to a stage it has not reached: earns one commission): $moves"
echo "  moves that earned nothing: $(psql "$pgurl/$dbname" -Atc "SELECT count(*) FROM events e WHERE e.external_id LIKE 'm-%' AND NOT EXISTS (SELECT 1 FROM commissions c WHERE c.event_id = e.id)")"
payments="$("$loadgen" "$url" "$token" "$(join "${pay_files[@]}")" "$concurrency" "$seconds")"
echo "recordDealPayment (each earns one commission): $payments"
rps() { sed -nE 's/.*rps=([0-9]+).*/\1/p' <<<"$1"; }
echo "  of recordEvent's requests/s: moveDeal $((100 * $(rps "$moves") / $(rps "$single"))) %, recordDealPayment $((100 * $(rps "$payments") / $(rps "$single"))) %"
batch="$("$loadgen" "$url" "$token" "$work/batch.json" 2 "$seconds")"
echo "recordEvents (1000 events/request): $batch"
# PostgreSQL doing the same writes as a recorded batch, as one SQL
# transaction per pgbench run: the 1,000 events and 1,000 commissions one
# batch wrote (new ids), its customers and partner totals upserted with
# ON CONFLICT, the partner balances its commissions add to (ON CONFLICT …
# DO UPDATE adding amounts and counts) and its 1,000 commission.created
# domain events, through every constraint, index, trigger and foreign key
# revshare's rows go through, composite keys included. What revshare reads
# first (partners locked, events looked up, customers, totals, terms) is
# not in it: the comparison favours PostgreSQL.
copy_columns() {
  psql "$pgurl/$dbname" -Atc "SELECT string_agg(CASE WHEN column_name IN ($2) THEN column_name || ' || ''-'' || :n' ELSE column_name END, ', ' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = '$1' AND table_schema = 'public'"
}
psql "$pgurl/$dbname" -qc "CREATE TABLE copy_events AS SELECT * FROM events WHERE external_id LIKE 'b-warm-up-1-%'" \
  -c "CREATE TABLE copy_commissions AS SELECT c.* FROM commissions c JOIN copy_events e ON e.id = c.event_id" \
  -c "CREATE TABLE copy_customers AS SELECT * FROM customers WHERE id IN (SELECT customer_id FROM copy_events)" \
  -c "CREATE TABLE copy_totals AS SELECT * FROM partner_totals WHERE partner_id IN (SELECT partner_id FROM copy_events)" \
  -c "CREATE TABLE copy_domain_events AS SELECT d.* FROM domain_events d JOIN copy_commissions c ON c.id = d.subject_id WHERE d.type = 'COMMISSION_CREATED'" \
  -c "CREATE SEQUENCE copy_seq"
cat >"$work/copy.sql" <<SQL
SELECT nextval('copy_seq') AS n \\gset
BEGIN;
INSERT INTO customers SELECT * FROM copy_customers
  ON CONFLICT (id) DO UPDATE SET net_minor = excluded.net_minor, threshold_bonus_paid = excluded.threshold_bonus_paid;
INSERT INTO partner_totals SELECT * FROM copy_totals
  ON CONFLICT (partner_id, currency) DO UPDATE SET ltv_minor = excluded.ltv_minor, paying_customers = excluded.paying_customers;
INSERT INTO events SELECT $(copy_columns events "'id', 'external_id'") FROM copy_events;
INSERT INTO commissions SELECT $(copy_columns commissions "'id', 'event_id'") FROM copy_commissions;
INSERT INTO partner_balances (partner_id, currency, status, tenant_id, amount_minor, commission_count)
  SELECT partner_id, currency, status, min(tenant_id), sum(amount_minor), count(*) FROM copy_commissions
  GROUP BY partner_id, currency, status ORDER BY partner_id, currency, status
  ON CONFLICT (partner_id, currency, status) DO UPDATE SET
    amount_minor = partner_balances.amount_minor + excluded.amount_minor,
    commission_count = partner_balances.commission_count + excluded.commission_count;
INSERT INTO domain_events (tenant_id, type, occurred_at, recorded_at, partner_id, subject_id, data)
  SELECT tenant_id, type, occurred_at, recorded_at, partner_id, subject_id, data FROM copy_domain_events ORDER BY seq;
COMMIT;
SQL
copy_tps="$(pgbench -n -c 2 -j 2 -T "$seconds" -f "$work/copy.sql" "$pgurl/$dbname" 2>/dev/null | sed -nE 's/^tps = ([0-9.]+).*/\1/p')"
copied="$(psql "$pgurl/$dbname" -Atc "SELECT count(*) FROM copy_events")"
echo "PostgreSQL doing one batch's writes ($copied events, their commissions, customers, totals, balances and domain events per transaction): tps=$copy_tps (concurrency 2)"
echo "nested ledger read (100 commissions): $("$loadgen" "$url" "$token" "$work/ledger.json" "$concurrency" "$seconds")"

# Two tiers in scope of every event of the batches (all partners, the
# default campaign, monthly): one reached at the first sale (+10 % on every
# commission after), one never reached (with a retroactive modifier, so a
# crossing would be looked for). The phase alternates TIER_ROUNDS times
# between both tiers ACTIVE and both INACTIVE on the same, growing database,
# so that the ratio compares runs next to each other.
default_campaign="$(gql '{"query":"{ campaigns { nodes { id isDefault } } }"}' | python3 -c 'import json,sys; print(next(c["id"] for c in json.load(sys.stdin)["data"]["campaigns"]["nodes"] if c["isDefault"]))')"
tier_terms=('name: \"Reached\", payout: { action: INCREASE, value: \"10\" }, goals: { conversions: 1 }'
            'name: \"Far\", payout: { action: INCREASE, value: \"20\" }, retroactivePayout: { action: FLAT_INCREASE, value: \"1\" }, goals: { conversions: 1000000000 }')
tier_input() { # terms status
  echo "{ $1, status: $2, startDate: \\\"2020-01-01\\\", endDate: \\\"2099-12-31\\\", period: MONTHLY, applyToAllPartners: true, campaignIds: [\\\"$default_campaign\\\"] }"
}
tier_ids=()
for terms in "${tier_terms[@]}"; do
  tier_ids+=("$(gql "{\"query\":\"mutation { createTieredCommission(input: $(tier_input "$terms" INACTIVE)) { id } }\"}" | id_of)")
done
set_tiers() { # status
  for i in 0 1; do
    gql "{\"query\":\"mutation { updateTieredCommission(id: \\\"${tier_ids[$i]}\\\", input: $(tier_input "${tier_terms[$i]}" "$1")) { id } }\"}" | grep -q '"id"'
  done
}
tiered=() untiered=()
for round in $(seq 1 "${TIER_ROUNDS:-3}"); do
  set_tiers ACTIVE
  tiered+=("$("$loadgen" "$url" "$token" "$work/batch.json" 2 "$seconds")")
  echo "recordEvents (1000 events/request), two tiers in scope, round $round: ${tiered[-1]}"
  set_tiers INACTIVE
  untiered+=("$("$loadgen" "$url" "$token" "$work/batch.json" 2 "$seconds")")
  echo "recordEvents (1000 events/request), tiers inactive, round $round: ${untiered[-1]}"
done
python3 - "$pg_tps" "$single" "$batch" "$moves" "$payments" "$(join "${tiered[@]}")" "$(join "${untiered[@]}")" "$copy_tps" "$copied" <<'PY'
import re, sys
pg = float(sys.argv[1])
copy = float(sys.argv[8]) * int(sys.argv[9])
def rps(line):
    fields = dict(kv.split("=") for kv in line.split())
    return float(fields["requests"]) / float(fields["seconds"])
single, batch = rps(sys.argv[2]), rps(sys.argv[3]) * 1000
moves, payments = rps(sys.argv[4]), rps(sys.argv[5])
def total(lines):
    runs = [dict(kv.split("=") for kv in line.split()) for line in lines.split(",")]
    return 1000 * sum(float(r["requests"]) for r in runs) / sum(float(r["seconds"]) for r in runs)
tiered, untiered = total(sys.argv[6]), total(sys.argv[7])
print(f"single events: {single:.0f}/s = {100 * single / pg:.1f} % of pgbench's {pg:.0f} inserts/s")
print(f"batched events: {batch:.0f}/s = {100 * batch / copy:.1f} % of PostgreSQL doing the same writes in SQL, {copy:.0f} events/s")
print(f"deal moves: {moves:.0f}/s = {100 * moves / single:.0f} % of single events; deal payments: {payments:.0f}/s = {100 * payments / single:.0f} %")
print(f"batched events with two tiers: {tiered:.0f}/s = {100 * tiered / untiered:.1f} % of {untiered:.0f}/s with them inactive (alternating rounds)")
PY

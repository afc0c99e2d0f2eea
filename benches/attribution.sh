#!/usr/bin/env bash
# Attribution on the event path, on PostgreSQL: sales naming their partner,
# sales naming only an attributed customer, and Stripe's invoice.paid
# through the connector (signed as Stripe signs), alternated for ROUNDS
# rounds on one database, with the ratios.
#
#   benches/attribution.sh [CONCURRENCY] [SECONDS]
#   ROUNDS=3 PGURL=postgres://postgres@127.0.0.1:5432 benches/attribution.sh
#
# Every sale is to a customer of its own (a new customer's row, its
# partner's totals, an event, a commission, a domain event): named sales
# to new customers of the worker's partner; customer-only sales and Stripe
# invoices to one of CUSTOMERS customers attributed beforehand (written
# with SQL: setup, not measured), taken in turn across the workers.
set -euo pipefail
cd "$(dirname "$0")/.."
concurrency="${1:-16}"
seconds="${2:-8}"
rounds="${ROUNDS:-3}"
pgurl="${PGURL:-postgres://postgres@127.0.0.1:5432}"
dbname="${BENCH_DATABASE:-revshare_bench_attribution}"
port=18183
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

"$bin" tenant create bench --name "Attribution bench" >/dev/null
"$bin" serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
token="$("$bin" token --tenant bench --role admin --ttl 1h)"
url="http://127.0.0.1:$port/graphql"
gql() { curl -sf "$url" -H "Authorization: Bearer $token" -H 'content-type: application/json' -d "$1"; }
id_of() { sed -E 's/.*"id":"([^"]+)".*/\1/'; }

secret="whsec_bench_secret"
gql "{\"query\":\"mutation { configureBillingConnector(input: { provider: STRIPE, signingSecrets: [\\\"$secret\\\"], commissionBase: AMOUNT_PAID }) { enabled } }\"}" >/dev/null
group="$(gql '{"query":"mutation { createPartnerGroup(input: { name: \"Ten\", rules: [{ recurring: { percentage: 10 } }] }) { id } }"}' | id_of)"
for i in $(seq 0 $((concurrency - 1))); do
  gql "{\"query\":\"mutation { createPartner(input: { name: \\\"Partner $i\\\", externalId: \\\"p-$i\\\", groupId: \\\"$group\\\" }) { id } }\"}" >/dev/null
done
customers="${CUSTOMERS:-100000}"
psql "$pgurl/$dbname" -qc "INSERT INTO attributions (id, tenant_id, customer_external_id, partner_id, campaign_id, source, attributed_at, created_at)
  SELECT 'a-' || g, 'bench', 'cus-' || g, p.id, c.id, 'MANUAL', now(), now()
  FROM generate_series(0, $customers - 1) AS g
  JOIN partners p ON p.tenant_id = 'bench' AND p.external_id = 'p-' || (g % $concurrency)
  CROSS JOIN (SELECT id FROM campaigns WHERE tenant_id = 'bench' AND is_default) AS c"
# A share of them for each phase of each round: every sale to a customer
# not sold to before, as in the named phase.
psql "$pgurl/$dbname" -Atc "SELECT customer_external_id FROM attributions ORDER BY random()" >"$work/customers.txt"
split -n "l/$((2 * rounds))" -d -a 2 "$work/customers.txt" "$work/customers."


cat >"$work/named.json" <<'JSON'
{"query":"mutation { recordEvent(input: { externalId: \"n-{{seq}}\", partnerExternalId: \"p-{{worker}}\", customerExternalId: \"new-{{seq}}\", amount: \"49.90\" }) { commissions { amount } } }"}
JSON
cat >"$work/customer.json" <<'JSON'
{"query":"mutation { recordEvent(input: { externalId: \"c-{{seq}}\", customerExternalId: \"{{pick}}\", amount: \"49.90\" }) { commissions { amount } } }"}
JSON
cat >"$work/stripe.json" <<'JSON'
{"id":"evt_{{seq}}","object":"event","api_version":"2025-03-31.basil","type":"invoice.paid","data":{"object":{"id":"in_{{seq}}","object":"invoice","customer":"{{pick}}","currency":"usd","amount_paid":4990,"total_taxes":[],"status":"paid","status_transitions":{"paid_at":null}}}}
JSON

psql "$pgurl/$dbname" -qc "ANALYZE"
named_sum=0; customer_sum=0; stripe_sum=0
rps() { sed -nE 's/.* rps=([0-9]+) .*/\1/p'; }
# This machine's PostgreSQL runs with autovacuum off, so nothing would
# analyze the tables as they grow: plans cached while the ledger was small
# (the foreign keys' checks among them) would go on scanning it, every
# phase slower than the last. Each phase starts from fresh statistics, as
# autovacuum keeps them by default.
analyze() { psql "$pgurl/$dbname" -qc "ANALYZE"; }
for round in $(seq 1 "$rounds"); do
  analyze
  named="$("$loadgen" "$url" "$token" "$work/named.json" "$concurrency" "$seconds")"
  analyze
  customer="$(LOADGEN_PICK="$work/customers.$(printf %02d $((2 * round - 2)))" "$loadgen" "$url" "$token" "$work/customer.json" "$concurrency" "$seconds")"
  analyze
  stripe="$(LOADGEN_PICK="$work/customers.$(printf %02d $((2 * round - 1)))" LOADGEN_STRIPE_SECRET="$secret" "$loadgen" "http://127.0.0.1:$port/connectors/stripe/bench" - "$work/stripe.json" "$concurrency" "$seconds")"
  echo "round $round: recordEvent naming the partner: $named"
  echo "round $round: recordEvent naming only the customer: $customer"
  echo "round $round: Stripe invoice.paid: $stripe"
  named_sum=$((named_sum + $(echo "$named" | rps)))
  customer_sum=$((customer_sum + $(echo "$customer" | rps)))
  stripe_sum=$((stripe_sum + $(echo "$stripe" | rps)))
done
echo "sales naming only the customer: $((customer_sum / rounds))/s = $((100 * customer_sum / named_sum)) % of sales naming the partner, $((named_sum / rounds))/s"
echo "Stripe invoice.paid: $((stripe_sum / rounds))/s = $((100 * stripe_sum / named_sum)) % of recordEvent naming the partner"
echo "commissions: $(psql "$pgurl/$dbname" -Atc "SELECT count(*) FROM commissions") for $(psql "$pgurl/$dbname" -Atc "SELECT count(*) FROM events") events, $(psql "$pgurl/$dbname" -Atc "SELECT count(*) FROM unattributed_events") held"

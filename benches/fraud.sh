#!/usr/bin/env bash
# What the fraud signals cost a click and an attribution (SPEC §21), on
# PostgreSQL: `recordClick` and `attributeCustomer`, alternated for ROUNDS
# rounds on one database, every signal on as the defaults have it, the
# default campaign refusing paid ads (so every click's landing URL is
# read), every partner paid through PayPal (so every attribution compares
# its customer's address with the partner's). Run it against the build
# before fraud with REVSHARE_BIN/LOADGEN_BIN for the ratio.
#
#   benches/fraud.sh [CONCURRENCY] [SECONDS]
#   ROUNDS=3 REVSHARE_BIN=… LOADGEN_BIN=… benches/fraud.sh 16 8
#
# Each click comes from an address of its own and each attribution is of
# a customer of its own, at an ordinary domain: the signals are looked at
# and raise nothing, as for almost all traffic.
set -euo pipefail
cd "$(dirname "$0")/.."
concurrency="${1:-16}"
seconds="${2:-8}"
rounds="${ROUNDS:-3}"
pgurl="${PGURL:-postgres://postgres@127.0.0.1:5432}"
dbname="${BENCH_DATABASE:-revshare_bench_fraud}"
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

"$bin" tenant create bench --name "Fraud bench" >/dev/null
"$bin" serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
token="$("$bin" token --tenant bench --role admin --ttl 1h)"
url="http://127.0.0.1:$port/graphql"
gql() { curl -sf "$url" -H "Authorization: Bearer $token" -H 'content-type: application/json' -d "$1"; }
id_of() { sed -E 's/.*"id":"([^"]+)".*/\1/'; }

group="$(gql '{"query":"mutation { createPartnerGroup(input: { name: \"Ten\", rules: [{ recurring: { percentage: 10 } }] }) { id } }"}' | id_of)"
for i in $(seq 0 $((concurrency - 1))); do
  partner="$(gql "{\"query\":\"mutation { createPartner(input: { name: \\\"Partner $i\\\", externalId: \\\"p-$i\\\", groupId: \\\"$group\\\" }) { id } }\"}" | id_of)"
  gql "{\"query\":\"mutation { createReferralCode(input: { partnerId: \\\"$partner\\\", code: \\\"code-$i\\\" }) { id } }\"}" >/dev/null
  gql "{\"query\":\"mutation { setPayoutMethod(input: { partnerId: \\\"$partner\\\", type: PAYPAL, paypalEmail: \\\"partner-$i@example.com\\\" }) { type } }\"}" >/dev/null
done
campaign="$(gql '{"query":"{ campaigns { nodes { id } } }"}' | id_of)"
# The build before fraud has no allowPaidAds: its answer is ignored.
gql "{\"query\":\"mutation { updateCampaign(id: \\\"$campaign\\\", input: { allowPaidAds: false }) { id } }\"}" >/dev/null || true

cat >"$work/click.json" <<'JSON'
{"query":"mutation { recordClick(input: { code: \"code-{{worker}}\", ip: \"{{seq}}\", landingUrl: \"https://shop.example/pricing?utm_source=partner&ref=code-{{worker}}\", userAgent: \"bench\" }) { id } }"}
JSON
cat >"$work/attribute.json" <<'JSON'
{"query":"mutation { attributeCustomer(input: { customerExternalId: \"cus-{{seq}}\", code: \"code-{{worker}}\", email: \"buyer-{{seq}}@example.com\" }) { externalId } }"}
JSON

click_sum=0; attribute_sum=0
rps() { sed -nE 's/.* rps=([0-9]+) .*/\1/p'; }
# Autovacuum is off on this machine: each phase starts from fresh
# statistics, as autovacuum keeps them by default.
analyze() { psql "$pgurl/$dbname" -qc "ANALYZE"; }
for round in $(seq 1 "$rounds"); do
  analyze
  click="$("$loadgen" "$url" "$token" "$work/click.json" "$concurrency" "$seconds")"
  analyze
  attribute="$("$loadgen" "$url" "$token" "$work/attribute.json" "$concurrency" "$seconds")"
  echo "round $round: recordClick: $click"
  echo "round $round: attributeCustomer: $attribute"
  click_sum=$((click_sum + $(echo "$click" | rps)))
  attribute_sum=$((attribute_sum + $(echo "$attribute" | rps)))
done
echo "recordClick: $((click_sum / rounds))/s; attributeCustomer: $((attribute_sum / rounds))/s"
echo "clicks: $(psql "$pgurl/$dbname" -Atc "SELECT count(*) FROM clicks"); attributions: $(psql "$pgurl/$dbname" -Atc "SELECT count(*) FROM attributions"); flags: $(psql "$pgurl/$dbname" -Atc "SELECT count(*) FROM fraud_flags" 2>/dev/null || echo none)"

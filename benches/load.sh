#!/usr/bin/env bash
# Drives simulatePartnerGroupRules and the nested partners query over HTTP
# against a release build, and prints requests/s and p50/p99 latency.
#
#   benches/load.sh [CONCURRENCY] [SECONDS]
#   REVSHARE_DATABASE_URL=postgres://postgres@127.0.0.1/bench benches/load.sh
#
# Loopback only; each run is bounded by SECONDS.
set -euo pipefail
cd "$(dirname "$0")/.."
concurrency="${1:-16}"
seconds="${2:-10}"
port=18181
work="$(mktemp -d)"
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

cargo build --release --quiet --bin revshare --example loadgen
bin=target/release/revshare
export REVSHARE_DATA_DIR="$work" REVSHARE_LISTEN="127.0.0.1:$port"
export REVSHARE_JWT_SECRET="load-test-secret-load-test-secret-0123"
export RUST_LOG=warn

"$bin" tenant create bench --name "Load test" >/dev/null
"$bin" serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
token="$("$bin" token --tenant bench --role admin --ttl 1h)"
url="http://127.0.0.1:$port/graphql"

gql() { curl -sf "$url" -H "Authorization: Bearer $token" -H 'content-type: application/json' -d "$1"; }
id_of() { sed -E 's/.*"id":"([^"]+)".*/\1/'; }

# 3 groups, 3 categories, 50 partners with a group and two categories each.
groups=(); categories=()
for g in 1 2 3; do
  groups+=("$(gql "{\"query\":\"mutation { createPartnerGroup(input: { name: \\\"G$g\\\", rules: [{ newCustomerTimeTier: { maxMonths: 3, percentage: 25 } }, { recurring: { percentage: $g } }] }) { id } }\"}" | id_of)")
  categories+=("$(gql "{\"query\":\"mutation { createCategory(input: { name: \\\"C$g\\\" }) { id } }\"}" | id_of)")
done
for i in $(seq 0 49); do
  g="${groups[$((i % 3))]}"; a="${categories[$((i % 3))]}"; b="${categories[$(((i + 1) % 3))]}"
  gql "{\"query\":\"mutation { createPartner(input: { name: \\\"Partner $i\\\", groupId: \\\"$g\\\", categoryIds: [\\\"$a\\\", \\\"$b\\\"] }) { id } }\"}" >/dev/null
done

cat >"$work/simulate.json" <<'JSON'
{"query":"mutation { simulatePartnerGroupRules(rules: [{ newCustomerTimeTier: { maxMonths: 3, percentage: 25 } }, { recurring: { percentage: 10 } }], simulation: { chargeAmount: 299.9, customerMonths: 2, partnerLtv: 4500, qualifiedCustomers: 12 }) { finalFee effectivePercentage breakdown { type amount } } }"}
JSON
cat >"$work/partners.json" <<'JSON'
{"query":"{ partners(first: 50) { nodes { group { name rules { type } } categories { name } } } }"}
JSON

loadgen=target/release/examples/loadgen
echo "database: ${REVSHARE_DATABASE_URL:-sqlite (default)}"
echo -n "simulatePartnerGroupRules: "; "$loadgen" "$url" "$token" "$work/simulate.json" "$concurrency" "$seconds"
echo -n "partners(first: 50) nested: "; "$loadgen" "$url" "$token" "$work/partners.json" "$concurrency" "$seconds"

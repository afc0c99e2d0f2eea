#!/usr/bin/env bash
# Mixed load on PostgreSQL: reads and writes together, as a live program
# sees them, for SECONDS (60 by default) with CONCURRENCY connections (16),
# run twice in a row on the same database so that a cost growing with the
# ledger shows as a lower second figure.
#
#   benches/mixed.sh [CONCURRENCY] [SECONDS]
#   REVSHARE_BIN=/path/to/other/revshare benches/mixed.sh   # A/B against another build
#
# The mix, in equal parts: recordEvent (one event), recordEvents (50
# events), the nested ledger read of 100 commissions, and a partner's
# portal page (balance and 20 commissions) for a partner whose history
# starts at 20,000 commissions and grows during the run.
set -euo pipefail
cd "$(dirname "$0")/.."
concurrency="${1:-16}"
seconds="${2:-60}"
pgurl="${PGURL:-postgres://postgres@127.0.0.1:5432}"
dbname="${BENCH_DATABASE:-revshare_mixed}"
port=18184
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

"$bin" tenant create bench --name "Mixed bench" >/dev/null
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
  partners+=("$(gql "{\"query\":\"mutation { createPartner(input: { name: \\\"Partner $i\\\", externalId: \\\"p-$i\\\", groupId: \\\"$group\\\" }) { id } }\"}" | id_of)")
done

python3 - "$work" "${partners[@]}" <<'PY'
import json, sys
work, partners = sys.argv[1], sys.argv[2:]
def batch(n, partner_of, tag):
    items = [{"externalId": "%s-{{seq}}-%d" % (tag, i), "partnerId": partner_of(i),
              "customerExternalId": "c-%d" % (i % 200), "amount": "19.90"} for i in range(n)]
    query = "mutation($e: [RecordEventInput!]!) { recordEvents(input: $e) { externalId error { code } } }"
    return {"query": query, "variables": {"e": items}}
# History for the portal's partner.
json.dump(batch(1000, lambda i: partners[0], "history"), open(work + "/history.json", "w"))
json.dump(batch(50, lambda i: partners[i % len(partners)], "mixed"), open(work + "/batch.json", "w"))
single = {"query": "mutation { recordEvent(input: { externalId: \"s-{{seq}}\", partnerExternalId: \"p-{{worker}}\", customerExternalId: \"c-{{seq}}\", amount: \"49.90\" }) { commissions { amount } } }"}
json.dump(single, open(work + "/single.json", "w"))
portal = {"query": "query($p: ID!) { partner(id: $p) { balance { currency accrued approved paid } commissions(first: 20) { nodes { amount status accruedAt } } } }",
          "variables": {"p": partners[0]}}
json.dump(portal, open(work + "/portal.json", "w"))
ledger = {"query": "{ commissions(first: 100) { nodes { amount partner { name group { name } } campaign { name } } } }"}
json.dump(ledger, open(work + "/ledger.json", "w"))
PY
for b in $(seq 1 20); do sed "s/{{seq}}/$b/g" "$work/history.json" | gql @- >/dev/null; done
psql "$pgurl/$dbname" -qc "ANALYZE"

loadgen="${LOADGEN_BIN:-target/release/examples/loadgen}"
mix="$work/single.json,$work/batch.json,$work/ledger.json,$work/portal.json"
for run in 1 2; do
  echo "mixed load, run $run: $("$loadgen" "$url" "$token" "$mix" "$concurrency" "$seconds")"
done
echo "the portal partner's commissions: $(psql "$pgurl/$dbname" -Atc "SELECT COUNT(*) FROM commissions c JOIN partners p ON p.id = c.partner_id WHERE p.external_id = 'p-0'")"

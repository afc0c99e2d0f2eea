#!/usr/bin/env bash
# Year-end forms (SPEC §29) at a brand's scale, on SQLite (the default) or
# PostgreSQL: PAYEES partners (10,000 by default, and a first round of 100
# beside them) each with an approved W-9 and payments of 2025 entered
# through the API, then the times of what finance does — a page of
# `taxYear`'s payees, the same filtered by status, the year's totals,
# issuing every form, the IRIS CSV — as the API answers them, each the
# median of its repetitions. What a page reads does not grow with the
# year: the ratio of the 10,000-payee page to the 100-payee one is the
# figure to watch.
#
#   benches/tax.sh
#   BACKEND=postgres PAYEES=10000 benches/tax.sh
set -euo pipefail
cd "$(dirname "$0")/.."
payees="${PAYEES:-10000}"
backend="${BACKEND:-sqlite}"
pgurl="${PGURL:-postgres://postgres@127.0.0.1:5432}"
dbname="${BENCH_DATABASE:-revshare_bench_tax}"
port=18196
work="$(mktemp -d)"
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

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

export REVSHARE_DATABASE_URL="$database" REVSHARE_DATA_DIR="$work" REVSHARE_LISTEN="127.0.0.1:$port"
export REVSHARE_JWT_SECRET="load-test-secret-load-test-secret-0123" RUST_LOG=warn REVSHARE_MATURITY_INTERVAL=0
export REVSHARE_DATA_KEY="$(head -c 32 /dev/urandom | base64)" REVSHARE_JOBS=none
"$bin" tenant create small --name "Tax bench, small" >/dev/null
"$bin" tenant create large --name "Tax bench, large" >/dev/null
"$bin" serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
small="$("$bin" token --tenant small --role admin --ttl 4h)"
large="$("$bin" token --tenant large --role admin --ttl 4h)"

python3 - "http://127.0.0.1:$port/graphql" "$small" "$large" "$payees" "$backend" "$pgurl/$dbname" <<'PY'
import json, statistics, subprocess, sys, time, urllib.request
from concurrent.futures import ThreadPoolExecutor
url, small, large, payees, backend, pg = sys.argv[1:7]
payees = int(payees)

def post(token, query, variables=None):
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(url, body, {"content-type": "application/json", "authorization": "Bearer " + token})
    with urllib.request.urlopen(request, timeout=600) as response:
        answer = json.load(response)
    assert "errors" not in answer, answer
    return answer["data"]

PAYER = """mutation { updateTenant(input: { taxPayer: { legalName: "Bench Inc.", tin: "12-3456789",
  address: { line1: "1 Main St", city: "Austin", state: "TX", zip: "78701" }, phone: "512 555 0100" } }) { name } }"""
CREATE = "mutation($n: String!, $e: String!) { createPartner(input: { name: $n, email: $e }) { id } }"
SUBMIT = """mutation($p: ID!, $t: String!, $n: String!) { submitTaxProfile(input: { partnerId: $p, form: W9,
  country: "US", taxId: $t, tinType: SSN, legalName: $n, classification: INDIVIDUAL,
  address: { line1: "2 Main St", city: "Austin", state: "TX", zip: "78701" } }) { status } }"""
DECIDE = "mutation($p: ID!) { decideTaxProfile(input: { partnerId: $p, approve: true }) { status } }"
PAY = """mutation($p: ID!, $a: Decimal!, $d: Date!) { addTaxPayment(input: { partnerId: $p, amount: $a,
  paidOn: $d, note: "bench" }) { amount } }"""

def seed(token, count):
    post(token, PAYER)
    def one(i):
        partner = post(token, CREATE, {"n": "Payee %d" % i, "e": "payee%d@example.com" % i})["createPartner"]["id"]
        # SSNs of areas 100–599, groups 01–99: every one valid and apart.
        ssn = "%03d-%02d-%04d" % (100 + i % 500, 1 + (i // 500) % 99, 1000 + i // 49500)
        post(token, SUBMIT, {"p": partner, "t": ssn, "n": "Pat Payee%d" % i})
        post(token, DECIDE, {"p": partner})
        # Three payments each; half the payees reach 600.00.
        for month, amount in ((3, "150.00"), (6, "200.00"), (9, "300.00" if i % 2 else "100.00")):
            post(token, PAY, {"p": partner, "a": amount, "d": "2025-%02d-15" % month})
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, range(count)))

def timed(token, query, variables=None, times=30):
    took = []
    for _ in range(times):
        started = time.perf_counter()
        post(token, query, variables)
        took.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(took), 2)

PAGE = "{ taxYear(year: 2025) { payees(first: 50) { nodes { key name counted status partners { id } } } } }"
COUNTED = "{ taxYear(year: 2025) { payees(first: 50) { totalCount nodes { key name counted status partners { id } } } } }"
FILTERED = "{ taxYear(year: 2025) { payees(first: 50, status: REPORTABLE) { totalCount nodes { key counted } } } }"
TOTALS = "{ taxYear(year: 2025) { totals { payees reportable amount } } }"
ISSUE = "mutation { issueTaxForms(year: 2025) { status } }"
HEADER = "Form Type*,Tax Year*,Payer TIN*,Recipient TIN Type*,Recipient Taxpayer ID Number*,Recipient Name Type*,Recipient First Name,Recipient Last Name,Address Line 1*,City*,State*,ZIP Code*,Account Number,Corrected,Box 1 Nonemployee Compensation*"
CSV = "query($h: String!) { taxFormsCsv(year: 2025, header: $h) { filename } }"

figures = {}
for name, token, count in (("small", small, 100), ("large", large, payees)):
    started = time.perf_counter()
    seed(token, count)
    seeded = time.perf_counter() - started
    if backend == "postgres":
        subprocess.run(["psql", pg, "-qc", "ANALYZE"], check=True)
    year = post(token, TOTALS)["taxYear"]["totals"]
    assert year["payees"] == count and year["reportable"] == count // 2, year
    figure = {"payees": count, "seed_s": round(seeded, 1),
              "page_ms": timed(token, PAGE), "page_counted_ms": timed(token, COUNTED), "filtered_ms": timed(token, FILTERED, times=10),
              "totals_ms": timed(token, TOTALS, times=10)}
    started = time.perf_counter()
    post(token, ISSUE)
    figure["issue_s"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    files = post(token, CSV, {"h": HEADER})["taxFormsCsv"]
    figure["csv_s"] = round(time.perf_counter() - started, 2)
    assert len(files) == -(-(count // 2) // 100), len(files)
    figures[name] = figure
figures["page_ratio_large_to_small"] = round(figures["large"]["page_ms"] / figures["small"]["page_ms"], 2)
figures["backend"] = backend
print(json.dumps(figures, indent=2))
PY

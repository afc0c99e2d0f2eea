#!/usr/bin/env bash
# The upgrade that partitions PostgreSQL's clicks by month (migration
# m20270113_000067_click_months), timed with revshare itself: a database
# made by this build, put back in the shape before the upgrade (one
# `clicks` table with its key, its two indexes and the reference from
# `attributions`), filled with `ROWS` clicks spread over the 13 months up
# to now, then `revshare migrate` timed.
#
#   benches/clicks-upgrade.sh [ROWS]
#   PGURL=postgres://postgres@127.0.0.1:5432 benches/clicks-upgrade.sh 10000000
#
# The bench database (`BENCH_DATABASE`, revshare_bench_upgrade by default)
# is dropped and made anew.
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-10000000}"
pgurl="${PGURL:-postgres://postgres@127.0.0.1:5432}"
dbname="${BENCH_DATABASE:-revshare_bench_upgrade}"
port=18198
work="$(mktemp -d)"
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
export PGOPTIONS="-c client_min_messages=warning"

psql "$pgurl/postgres" -qc "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" -c "CREATE DATABASE $dbname"
db="$pgurl/$dbname"
q() { psql "$db" -qAtX -v ON_ERROR_STOP=1 -c "$1"; }
if [ -z "${REVSHARE_BIN:-}" ]; then
  cargo build --release --quiet --bin revshare
fi
bin="${REVSHARE_BIN:-target/release/revshare}"

export REVSHARE_DATABASE_URL="$db" REVSHARE_DATA_DIR="$work" REVSHARE_LISTEN="127.0.0.1:$port"
export REVSHARE_JWT_SECRET="load-test-secret-load-test-secret-0123" RUST_LOG=warn REVSHARE_JOBS=none
"$bin" tenant create bench --name "Upgrade bench" >/dev/null
"$bin" serve >>"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
token="$("$bin" token --tenant bench --role admin --ttl 1h)"
graphql() {
  curl -sf "http://127.0.0.1:$port/graphql" -H 'content-type: application/json' \
    -H "authorization: Bearer $token" -d "$1"
}
partner=$(graphql '{"query":"mutation { createPartner(input: { name: \"Jane\" }) { id } }"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["createPartner"]["id"])')
graphql "{\"query\":\"mutation { createReferralCode(input: { partnerId: \\\"$partner\\\", code: \\\"jane\\\" }) { id } }\"}" >/dev/null
kill -TERM "$server"; wait "$server" || true; server=""
code=$(q "SELECT id FROM referral_codes WHERE code = 'jane'")

# The shape before the upgrade.
q "ALTER TABLE clicks RENAME TO clicks_partitioned;
   ALTER TABLE clicks_partitioned RENAME CONSTRAINT clicks_pkey TO clicks_partitioned_pkey;
   DROP INDEX ix_clicks_code; DROP INDEX ix_clicks_ip;
   CREATE TABLE clicks (
     id varchar PRIMARY KEY,
     tenant_id varchar NOT NULL REFERENCES tenants (id),
     referral_code_id varchar NOT NULL REFERENCES referral_codes (id),
     landing_url varchar, user_agent varchar, ip_hash varchar,
     created_at timestamptz NOT NULL);
   DROP TABLE clicks_partitioned;
   CREATE INDEX ix_clicks_code ON clicks (referral_code_id, id);
   CREATE INDEX ix_clicks_ip ON clicks (ip_hash, created_at);
   ALTER TABLE attributions ADD CONSTRAINT attributions_click_id_fkey
     FOREIGN KEY (click_id) REFERENCES clicks (id);
   DELETE FROM seaql_migrations WHERE version = 'm20270113_000067_click_months';"

started=$(date +%s.%N)
q "INSERT INTO clicks
   SELECT lpad(upper(to_hex(g)), 26, '0'), 'bench', '$code',
     'https://acme.example/pricing?utm_source=partner&via=jane',
     'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
     md5(g::text) || md5((g + 1)::text),
     now() - interval '395 days' + (g::float8 / $rows) * interval '395 days'
   FROM generate_series(1, $rows) g"
filled=$(echo "$(date +%s.%N) - $started" | bc)
q "CHECKPOINT; ANALYZE"
printf 'clicks: %d over 13 months, %s on disk (%.1f s to write)\n' "$rows" \
  "$(q "SELECT pg_size_pretty(pg_total_relation_size('clicks'))")" "$filled"

started=$(date +%s.%N)
"$bin" migrate >/dev/null
took=$(echo "$(date +%s.%N) - $started" | bc)
printf 'revshare migrate: %.1f s (%.1f s per million clicks)\n' "$took" \
  "$(echo "$took * 1000000 / $rows" | bc -l)"
printf 'after: %s clicks in %s partitions, %s on disk\n' \
  "$(q "SELECT count(*) FROM clicks")" \
  "$(q "SELECT count(*) FROM pg_inherits WHERE inhparent = 'clicks'::regclass")" \
  "$(q "SELECT pg_size_pretty(sum(pg_total_relation_size(inhrelid))) FROM pg_inherits WHERE inhparent = 'clicks'::regclass")"
psql "$pgurl/postgres" -qc "DROP DATABASE IF EXISTS $dbname WITH (FORCE)"

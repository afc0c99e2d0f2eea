#!/usr/bin/env bash
# What keeping clicks bounded costs PostgreSQL (issue: monthly partitions
# and retention), measured on PostgreSQL alone before revshare changes:
# the same clicks, `MONTH` rows in an old month and `MONTH` / 5 in the
# month after, in revshare's `clicks` table as it is (one table) and in
# one partitioned by month; then
#
# - removing the old month: `DELETE` on the one table, `DROP TABLE` of the
#   month's partition on the other — the time, and the WAL each writes;
# - writing: single-row `INSERT`s of clicks, as the redirect's writer
#   sends them in batches of one (pgbench, `CLIENTS` clients, `SECONDS`),
#   into each table, alternated `ROUNDS` times;
# - the upgrade: copying the one table's rows into the partitioned one
#   (`INSERT … SELECT`), the time per million rows.
#
#   benches/clicks-retention.sh [MONTH] [CLIENTS] [SECONDS] [ROUNDS]
#   PGURL=postgres://postgres@127.0.0.1:5432 benches/clicks-retention.sh 5000000
#
# The bench database (`BENCH_DATABASE`, revshare_clicks by default) is
# dropped and made anew. The rows are the shape revshare writes: a
# 26-character id, the tenant, the code, a landing URL, a user agent, a
# 64-character IP hash and the time.
set -euo pipefail
month_rows="${1:-5000000}"
clients="${2:-4}"
seconds="${3:-20}"
rounds="${4:-2}"
pgurl="${PGURL:-postgres://postgres@127.0.0.1:5432}"
dbname="${BENCH_DATABASE:-revshare_clicks}"
export PGOPTIONS="-c client_min_messages=warning"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

psql "$pgurl/postgres" -qc "DROP DATABASE IF EXISTS $dbname WITH (FORCE)"
psql "$pgurl/postgres" -qc "CREATE DATABASE $dbname"
db="$pgurl/$dbname"
q() { psql "$db" -qAtX -v ON_ERROR_STOP=1 -c "$1"; }

columns="id varchar NOT NULL, tenant_id varchar NOT NULL, referral_code_id varchar NOT NULL,
  landing_url varchar, user_agent varchar, ip_hash varchar, created_at timestamptz NOT NULL"
q "CREATE TABLE clicks_one ($columns, PRIMARY KEY (id));
   CREATE INDEX ix_one_code ON clicks_one (referral_code_id, created_at);"
q "CREATE TABLE clicks_parted ($columns, PRIMARY KEY (id, created_at)) PARTITION BY RANGE (created_at);
   CREATE INDEX ix_parted_code ON clicks_parted (referral_code_id, created_at);
   CREATE TABLE clicks_2026_09 PARTITION OF clicks_parted FOR VALUES FROM ('2026-09-01') TO ('2026-10-01');
   CREATE TABLE clicks_2026_10 PARTITION OF clicks_parted FOR VALUES FROM ('2026-10-01') TO ('2026-11-01');
   CREATE TABLE clicks_2026_11 PARTITION OF clicks_parted FOR VALUES FROM ('2026-11-01') TO ('2026-12-01');"

# Rows of one month from `start`, `n` of them, spread over its 30 days.
rows() {
  local start="$1" n="$2" tag="$3"
  echo "SELECT lpad(to_hex(g), 10, '0') || '$tag' || lpad(to_hex(g), 14, '0'), 'tenant-1',
      'code-' || (g % 500), 'https://acme.example/pricing?utm_source=partner&via=code-' || (g % 500),
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
      md5(g::text) || md5((g + 1)::text),
      timestamptz '$start' + (g::float8 / $n) * interval '30 days'
    FROM generate_series(1, $n) g"
}
next_rows=$((month_rows / 5))
started=$(date +%s.%N)
q "INSERT INTO clicks_one $(rows 2026-09-01 "$month_rows" 09)"
q "INSERT INTO clicks_one $(rows 2026-10-01 "$next_rows" 10)"
load_one=$(echo "$(date +%s.%N) - $started" | bc)
started=$(date +%s.%N)
q "INSERT INTO clicks_parted SELECT * FROM clicks_one"
copied=$(echo "$(date +%s.%N) - $started" | bc)
q "CHECKPOINT; ANALYZE"
total=$((month_rows + next_rows))
printf 'rows: %d in September, %d in October (%.1f s to write the one table)\n' "$month_rows" "$next_rows" "$load_one"
printf 'upgrade: %d rows copied into the partitioned table in %.1f s (%.1f s per million)\n' \
  "$total" "$copied" "$(echo "$copied * 1000000 / $total" | bc -l)"
printf 'sizes: one table %s, partitioned %s\n' \
  "$(q "SELECT pg_size_pretty(pg_total_relation_size('clicks_one'))")" \
  "$(q "SELECT pg_size_pretty(sum(pg_total_relation_size(inhrelid))) FROM pg_inherits WHERE inhparent = 'clicks_parted'::regclass")"

# Removing September: the time and the WAL written, each after a checkpoint.
remove() {
  local label="$1" sql="$2"
  q "CHECKPOINT"
  local before after started elapsed
  before=$(q "SELECT pg_current_wal_insert_lsn()")
  started=$(date +%s.%N)
  q "$sql"
  elapsed=$(echo "$(date +%s.%N) - $started" | bc)
  after=$(q "SELECT pg_current_wal_insert_lsn()")
  printf '%-44s %9.3f s  WAL %s\n' "$label" "$elapsed" \
    "$(q "SELECT pg_size_pretty(pg_wal_lsn_diff('$after', '$before'))")"
}
echo "removing September's $month_rows clicks:"
remove "DELETE FROM clicks_one (one statement)" \
  "DELETE FROM clicks_one WHERE created_at < '2026-10-01'"
remove "VACUUM clicks_one (to reuse the space)" "VACUUM clicks_one"
remove "DROP TABLE clicks_2026_09 (its partition)" "DROP TABLE clicks_2026_09"
printf 'after: one table %s, partitioned %s\n' \
  "$(q "SELECT pg_size_pretty(pg_total_relation_size('clicks_one'))")" \
  "$(q "SELECT pg_size_pretty(sum(pg_total_relation_size(inhrelid))) FROM pg_inherits WHERE inhparent = 'clicks_parted'::regclass")"

# Writing: one row a statement, as a redirect's click arrives, into
# November, alternated.
for table in one parted; do
  cat > "$work/$table.sql" <<SQL
\\set g random(1, 1000000000)
INSERT INTO clicks_$table VALUES (lpad(to_hex(:g), 10, '0') || '11' || md5(random()::text)::varchar(14), 'tenant-1', 'code-' || (:g % 500), 'https://acme.example/pricing', 'Mozilla/5.0', md5(:g::text), now() - interval '1 hour' * (:g % 24) + (timestamptz '2026-11-15' - now()));
SQL
done
echo "single-row inserts, $clients clients, ${seconds} s each, alternated:"
for round in $(seq 1 "$rounds"); do
  for table in one parted; do
    tps=$(pgbench -n -c "$clients" -j 2 -T "$seconds" -f "$work/$table.sql" "$db" 2>/dev/null |
      sed -n 's/^tps = \([0-9.]*\).*/\1/p')
    printf 'round %d  %-7s %10.0f inserts/s\n' "$round" "$table" "$tps"
  done
done
psql "$pgurl/postgres" -qc "DROP DATABASE IF EXISTS $dbname WITH (FORCE)"

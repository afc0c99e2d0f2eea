#!/usr/bin/env bash
# Read throughput with the primary alone, and with the primary and one hot
# standby (SPEC §28), in one run on one database: the same release build
# serving the same reads, alternated ROUNDS times, first without
# REVSHARE_DATABASE_REPLICA_URLS, then with it. The standby is made here
# (pg_basebackup -R of the local cluster into a temporary directory, a
# second server on its own port); the cluster must allow replication from
# 127.0.0.1, as scripts/test sets it.
#
#   benches/replicas.sh [CONCURRENCY] [SECONDS] [ROUNDS]
#   PGURL=postgres://postgres@127.0.0.1:5432 benches/replicas.sh 16 10 2
#
# Both servers and both databases share this machine's cores: on one
# machine the figures say what routing reads costs or saves, not how far
# a replica on its own machine scales reads.
set -euo pipefail
cd "$(dirname "$0")/.."
concurrency="${1:-16}"
seconds="${2:-10}"
rounds="${3:-2}"
pgurl="${PGURL:-postgres://postgres@127.0.0.1:5432}"
dbname="${BENCH_DATABASE:-revshare_replicas}"
port=18186
standby_port=18189
work="$(mktemp -d)"
chmod 755 "$work"
major="$(psql "$pgurl/postgres" -Atc "SELECT current_setting('server_version_num')::int / 10000")"
pgbin="/usr/lib/postgresql/$major/bin"
as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  kill "${server:-0}" 2>/dev/null || true
  as_postgres "$pgbin/pg_ctl" -D "$work/standby" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

psql "$pgurl/postgres" -qc "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" -c "CREATE DATABASE $dbname"
if [ -z "${REVSHARE_BIN:-}" ] || [ -z "${LOADGEN_BIN:-}" ]; then
  cargo build --release --quiet --bin revshare --example loadgen
fi
bin="${REVSHARE_BIN:-target/release/revshare}"
loadgen="${LOADGEN_BIN:-target/release/examples/loadgen}"
export REVSHARE_DATABASE_URL="$pgurl/$dbname" REVSHARE_DATA_DIR="$work" REVSHARE_LISTEN="127.0.0.1:$port"
export REVSHARE_JWT_SECRET="load-test-secret-load-test-secret-0123" RUST_LOG=warn REVSHARE_MATURITY_INTERVAL=0
export REVSHARE_METRICS_LISTEN="127.0.0.1:$((port + 2))"

start() {
  "$bin" serve >"$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return; sleep 0.1; done
  echo "the server did not start" >&2
  cat "$work/server.log" >&2
  exit 1
}
stop() { kill "$server"; wait "$server" 2>/dev/null || true; }

# The program: 3 groups, 50 partners, 5,000 commissions (as benches/peer.sh).
"$bin" tenant create bench --name "Replica bench" >/dev/null
start
token="$("$bin" token --tenant bench --role admin --ttl 1h)"
url="http://127.0.0.1:$port/graphql"
gql() { curl -sf "$url" -H "Authorization: Bearer $token" -H 'content-type: application/json' -d "$1"; }
id_of() { sed -E 's/.*"id":"([^"]+)".*/\1/'; }
. benches/peer/program.sh
stop
psql "$pgurl/$dbname" -qc "ANALYZE"

# The standby: a copy of the cluster, streaming from it.
chown postgres:postgres "$work" 2>/dev/null || true
as_postgres "$pgbin/pg_basebackup" -h 127.0.0.1 -p "${pgurl##*:}" -U postgres -D "$work/standby" -R -X stream -c fast
for file in postgresql.conf pg_ident.conf; do [ -e "$work/standby/$file" ] || as_postgres touch "$work/standby/$file"; done
[ -e "$work/standby/pg_hba.conf" ] ||
  printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' | as_postgres tee "$work/standby/pg_hba.conf" >/dev/null
as_postgres "$pgbin/pg_ctl" -D "$work/standby" -l "$work/standby.log" -w \
  -o "-p $standby_port -c listen_addresses=127.0.0.1 -k $work -c hot_standby=on" start >/dev/null

# The reads: the ledger's first page with its partners and campaigns, and
# the partners list with groups and balances, in turn.
reader="$("$bin" token --tenant bench --role admin --ttl 1h)"
echo '{"query":"{ commissions(first: 100) { nodes { amount partner { name group { name } } campaign { name } } } }"}' >"$work/ledger.json"
echo '{"query":"{ partners(first: 50) { nodes { name group { name } } } }"}' >"$work/partners.json"
bodies="$work/ledger.json,$work/partners.json"

measure() {
  "$loadgen" "$url" "$reader" "$bodies" "$concurrency" "$seconds" | tail -1
}
for round in $(seq 1 "$rounds"); do
  unset REVSHARE_DATABASE_REPLICA_URLS
  start
  echo "round $round, primary alone:     $(measure)"
  stop
  export REVSHARE_DATABASE_REPLICA_URLS="postgres://postgres@127.0.0.1:$standby_port/$dbname"
  start
  sleep 1
  echo "round $round, primary + replica: $(measure)"
  reads="$(curl -sf "http://127.0.0.1:$((port + 2))/metrics" 2>/dev/null | grep -E '^revshare_db_reads' || true)"
  [ -n "$reads" ] && echo "$reads"
  stop
done

#!/usr/bin/env bash
# revshare's reads beside PostGraphile 4's and PostGraphile 5's (Grafast) on
# one PostgreSQL database that revshare created and filled through its own
# API (3 groups, 50 partners, 5,000 commissions): two queries at CONCURRENCY
# clients and at one client, the servers alternated ROUNDS times, with the
# ratio to the faster peer and the one-client p50s printed; then the floor,
# `{ __typename }`, the same way; each measurement with the CPU time per
# request of the server, PostgreSQL and the load generator.
#
#   benches/peer.sh [CONCURRENCY] [SECONDS] [ROUNDS]
#   PGURL=postgres://postgres@127.0.0.1:5432 BENCH_DATABASE=revshare_peer benches/peer.sh
#   REVSHARE_BIN=/path/to/other/revshare LOADGEN_BIN=… benches/peer.sh   # another build
#
# PostGraphile 4.14.1 and 5.1.5 (with `pg`) are installed from npm into
# benches/.peer and benches/.peer5 (ignored by git) on the first run.
# PostGraphile 5 wants Node 22; on Node 20 it runs with
# benches/peer/with-resolvers.cjs preloaded. Loopback only; each measurement
# is bounded by SECONDS. The bench database is dropped and created anew.
set -euo pipefail
cd "$(dirname "$0")/.."
concurrency="${1:-16}"
seconds="${2:-10}"
rounds="${3:-2}"
pgurl="${PGURL:-postgres://postgres@127.0.0.1:5432}"
dbname="${BENCH_DATABASE:-revshare_peer}"
port=18183
peer_port=18184
peer5_port=18185
work="$(mktemp -d)"
trap 'kill "${server:-0}" "${peer:-0}" "${peer5:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

peer_dir=benches/.peer
postgraphile="$peer_dir/node_modules/.bin/postgraphile"
if [ ! -x "$postgraphile" ]; then
  npm install --prefix "$peer_dir" --no-audit --no-fund --loglevel=error postgraphile@4.14.1 >/dev/null
fi
peer5_dir=benches/.peer5
postgraphile5="$peer5_dir/node_modules/.bin/postgraphile"
if [ ! -x "$postgraphile5" ]; then
  npm install --prefix "$peer5_dir" --no-audit --no-fund --loglevel=error postgraphile@5.1.5 pg@8 >/dev/null
fi

psql "$pgurl/postgres" -qc "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" -c "CREATE DATABASE $dbname"
if [ -z "${REVSHARE_BIN:-}" ] || [ -z "${LOADGEN_BIN:-}" ]; then
  cargo build --release --quiet --bin revshare --example loadgen
fi
bin="${REVSHARE_BIN:-target/release/revshare}"
loadgen="${LOADGEN_BIN:-target/release/examples/loadgen}"
export REVSHARE_DATABASE_URL="$pgurl/$dbname" REVSHARE_DATA_DIR="$work" REVSHARE_LISTEN="127.0.0.1:$port"
export REVSHARE_JWT_SECRET="load-test-secret-load-test-secret-0123" RUST_LOG=warn REVSHARE_MATURITY_INTERVAL=0

"$bin" tenant create bench --name "Peer bench" >/dev/null
"$bin" serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
token="$("$bin" token --tenant bench --role admin --ttl 1h)"
url="http://127.0.0.1:$port/graphql"
gql() { curl -sf "$url" -H "Authorization: Bearer $token" -H 'content-type: application/json' -d "$1"; }
id_of() { sed -E 's/.*"id":"([^"]+)".*/\1/'; }

# 3 groups, 50 partners, 5,000 events of one commission each.
. benches/peer/program.sh
psql "$pgurl/$dbname" -qc "ANALYZE"
# PostGraphile makes a relation of each foreign key. A commission's
# partner and campaign are checked by its key to its event (the
# single-column keys beside it were dropped as implied), so the peers are
# told of them as smart tags: the same relations, read the same way.
psql "$pgurl/$dbname" -qc "COMMENT ON TABLE commissions IS E'@foreignKey (partner_id) references partners (id)\\n@foreignKey (campaign_id) references campaigns (id)'"
echo "database: $(psql "$pgurl/$dbname" -Atc "SELECT (SELECT count(*) FROM partner_groups) || ' groups, ' || (SELECT count(*) FROM partners) || ' partners, ' || (SELECT count(*) FROM commissions) || ' commissions'")"

echo '{"query":"{ commissions(first: 100) { nodes { amount partner { name group { name } } campaign { name } } } }"}' >"$work/ledger.json"
echo '{"query":"{ allCommissions(first: 100) { nodes { amountMinor partnerByPartnerId { name partnerGroupByGroupId { name } } campaignByCampaignId { name } } } }"}' >"$work/peer-ledger.json"
echo '{"query":"{ partners(first: 50) { nodes { name group { name } } } }"}' >"$work/partners.json"
echo '{"query":"{ allPartners(first: 50) { nodes { name partnerGroupByGroupId { name } } } }"}' >"$work/peer-partners.json"
# The floor: what a server spends on a request that reads nothing (HTTP,
# the token, parsing, validating and answering one field).
echo '{"query":"{ __typename }"}' >"$work/floor.json"
cp "$work/floor.json" "$work/peer-floor.json"

"$postgraphile" -c "$pgurl/$dbname" --disable-default-mutations --host 127.0.0.1 --port "$peer_port" >"$work/peer.log" 2>&1 &
peer=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$peer_port/graphql" -H 'content-type: application/json' -d '{"query":"{ __typename }"}' >/dev/null && break; sleep 0.2; done
peer_url="http://127.0.0.1:$peer_port/graphql"
GRAPHILE_ENV=production NODE_OPTIONS="--require $PWD/benches/peer/with-resolvers.cjs" \
  "$postgraphile5" --preset postgraphile/presets/amber -c "$pgurl/$dbname" -s public \
  -n 127.0.0.1 -p "$peer5_port" >"$work/peer5.log" 2>&1 &
peer5=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$peer5_port/graphql" -H 'content-type: application/json' -d '{"query":"{ __typename }"}' >/dev/null && break; sleep 0.2; done
peer5_url="http://127.0.0.1:$peer5_port/graphql"
# Both peers answer the same operations (the amber preset keeps v4's names).
for q in ledger partners; do
  for u in "$peer_url" "$peer5_url"; do
    curl -sf "$u" -H 'content-type: application/json' -d @"$work/peer-$q.json" | grep -q '"nodes":\[{' \
      || { echo "the peer at $u does not answer the $q query" >&2; exit 1; }
  done
done

field() { sed -E "s/.* $1=([0-9.]+).*/\1/"; }
# shellcheck source=benches/cpu.sh
. benches/cpu.sh
# loadgen against a server (pid $1) at $3 clients, printing loadgen's line
# and where the machine's CPU went per request: the server, PostgreSQL,
# loadgen itself.
TIMEFORMAT='%3U %3S'
measure() { # server-pid url token body clients
  local s0 p0 s1 p1 out lg requests
  s0="$(cpu_ms "$1")" p0="$(pg_cpu_ms)"
  { time "$loadgen" "$2" "$3" "$4" "$5" "$seconds" >"$work/out"; } 2>"$work/time"
  s1="$(cpu_ms "$1")" p1="$(pg_cpu_ms)"
  out="$(cat "$work/out")"
  lg="$(awk '{print int(($1 + $2) * 1000)}' "$work/time")"
  requests="$(echo "$out" | sed -nE 's/^requests=([0-9]+).*/\1/p')"
  echo "$out cpu_ms_per_request: $(python3 -c "print('server=%.3f postgres=%.3f loadgen=%.3f' % tuple(x / $requests for x in ($s1 - $s0, $p1 - $p0, $lg)))")"
}
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo); $seconds s per measurement"
for round in $(seq 1 "$rounds"); do
  for query in ledger partners floor; do
    for clients in "$concurrency" 1; do
      ours="$(measure "$server" "$url" "$token" "$work/$query.json" "$clients")"
      v4="$(measure "$peer" "$peer_url" - "$work/peer-$query.json" "$clients")"
      v5="$(measure "$peer5" "$peer5_url" - "$work/peer-$query.json" "$clients")"
      echo "round $round, $query, $clients clients: revshare $ours"
      echo "round $round, $query, $clients clients: PostGraphile 4 $v4"
      echo "round $round, $query, $clients clients: PostGraphile 5 $v5"
      if [ "$clients" = 1 ]; then
        echo "round $round, $query, 1 client: p50 revshare $(echo "$ours" | field p50_ms) ms, PostGraphile 4 $(echo "$v4" | field p50_ms) ms, PostGraphile 5 $(echo "$v5" | field p50_ms) ms"
      else
        echo "round $round, $query, $clients clients: revshare / the faster PostGraphile, requests/s = $(python3 -c "print(f'{$(echo "$ours" | field rps) / max($(echo "$v4" | field rps), $(echo "$v5" | field rps)):.2f}')")"
      fi
    done
  done
done

# Sourced by a load bench: one revshare server on one fresh database, a
# tenant `bench` and an admin token. The bench sets `database` (postgres or
# sqlite), `dbname`, `port` and `title` first; this sets `bin`, `loadgen`,
# `work` (removed on exit, the server stopped), `url`, `token`, and
# defines `analyze` (PostgreSQL's ANALYZE between phases), `gql BODY` and
# `id_of` (the first `id` of an answer), and `load BODY_FILE` (loadgen at
# `concurrency` clients for `seconds`, its line followed by the CPU the
# server and PostgreSQL spent per request).
pgurl="${PGURL:-postgres://postgres@127.0.0.1:5432}"
work="$(mktemp -d)"
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

if [ -z "${REVSHARE_BIN:-}" ] || [ -z "${LOADGEN_BIN:-}" ]; then
  cargo build --release --quiet --bin revshare --example loadgen
fi
bin="${REVSHARE_BIN:-target/release/revshare}"
loadgen="${LOADGEN_BIN:-target/release/examples/loadgen}"
case "$database" in
  postgres)
    psql "$pgurl/postgres" -qc "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" -c "CREATE DATABASE $dbname"
    export REVSHARE_DATABASE_URL="$pgurl/$dbname"
    analyze() { psql "$pgurl/$dbname" -qc "ANALYZE"; }
    ;;
  sqlite)
    export REVSHARE_DATABASE_URL="sqlite://$work/bench.db?mode=rwc"
    analyze() { :; }
    ;;
  *) echo "DATABASE is postgres or sqlite" >&2; exit 2 ;;
esac
export REVSHARE_DATA_DIR="$work" REVSHARE_LISTEN="127.0.0.1:$port"
export REVSHARE_JWT_SECRET="load-test-secret-load-test-secret-0123" RUST_LOG=warn REVSHARE_MATURITY_INTERVAL=0

"$bin" tenant create bench --name "$title" >/dev/null
"$bin" serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
token="$("$bin" token --tenant bench --role admin --ttl 1h)"
url="http://127.0.0.1:$port/graphql"
gql() { curl -sf "$url" -H "Authorization: Bearer $token" -H 'content-type: application/json' -d "$1"; }
id_of() { sed -E 's/.*"id":"([^"]+)".*/\1/'; }

# shellcheck source=benches/cpu.sh
. benches/cpu.sh
load() {
  local s0 p0 s1 p1 out requests
  s0="$(cpu_ms "$server")" p0="$(pg_cpu_ms)"
  out="$("$loadgen" "$url" "$token" "$1" "$concurrency" "$seconds")"
  s1="$(cpu_ms "$server")" p1="$(pg_cpu_ms)"
  requests="$(echo "$out" | sed -nE 's/^requests=([0-9]+).*/\1/p')"
  echo "$out cpu_ms_per_request: $(python3 -c "print('server=%.3f postgres=%.3f' % (($s1 - $s0) / $requests, ($p1 - $p0) / $requests))")"
}

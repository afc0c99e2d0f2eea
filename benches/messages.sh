#!/usr/bin/env bash
# What talking to partners (SPEC §35) costs at a program's scale, on
# PostgreSQL: a broadcast to every partner (one request, and the
# broadcasts job for what it leaves: the audience resolved, one message
# and one e-mail written per partner, 200 partners a transaction), timed
# from the request until the broadcast reads SENT; then the console's
# inbox over that many threads and a partner's thread, each timed by the
# client (curl's total), the best of three for the reads.
#
#   benches/messages.sh BIN [PARTNERS...]     # default: 1000 10000
#
# Partners are written by SQL (their e-mail addresses set, so each
# message is e-mailed at once); the bench database is made anew per size.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$1"; shift
sizes=("${@:-1000 10000}")
[ $# -gt 0 ] || sizes=(1000 10000)
pgurl="${PGURL:-postgres://postgres@127.0.0.1:5432}"
dbname="${BENCH_DATABASE:-revshare_messages_bench}"
port=18184
work="$(mktemp -d)"
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

seconds() { awk "BEGIN { printf \"%.3f\", $1 }"; }

echo "| partners | broadcast to all (s) | messages/s | inbox, first 25 (s) | a thread, first 50 (s) |"
echo "|---|---|---|---|---|"
for n in "${sizes[@]}"; do
  psql "$pgurl/postgres" -qc "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" -c "CREATE DATABASE $dbname" >/dev/null
  export REVSHARE_DATABASE_URL="$pgurl/$dbname" REVSHARE_DATA_DIR="$work" REVSHARE_LISTEN="127.0.0.1:$port"
  export REVSHARE_JWT_SECRET="load-test-secret-load-test-secret-0123" RUST_LOG=warn REVSHARE_JOBS=broadcasts
  "$bin" tenant create bench --name "Messages bench" >/dev/null
  "$bin" serve >"$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  token="$("$bin" token --tenant bench --role admin --ttl 1h)"
  url="http://127.0.0.1:$port/graphql"
  post() { curl -sf -o "$work/answer.json" -w '%{time_total}' "$url" -H "Authorization: Bearer $token" -H 'content-type: application/json' -d "$1"; }
  post '{"query":"mutation { createPartnerGroup(input: { name: \"All\", rules: [{ recurring: { percentage: 10 } }] }) { id } }"}' >/dev/null
  group="$(sed -E 's/.*"id":"([^"]+)".*/\1/' "$work/answer.json")"
  psql "$pgurl/$dbname" -qc "INSERT INTO partners (id, tenant_id, group_id, name, email, email_key, type, status, created_at, updated_at, tags)
    SELECT 'P' || lpad(i::text, 25, '0'), 'bench', '$group', 'Partner ' || i, 'p' || i || '@example.com', 'p' || i || '@example.com',
           'REFERRAL', 'ACTIVE', now(), now(), '' FROM generate_series(1, $n) AS i" -c "ANALYZE" >/dev/null
  start="$(date +%s.%N)"
  post '{"query":"mutation { createBroadcast(input: { subject: \"News\", body: \"Hello, partner.\", audience: {} }) { recipients delivered } }"}' >/dev/null
  grep -q "\"recipients\":$n" "$work/answer.json" || { cat "$work/answer.json"; exit 1; }
  until post '{"query":"{ broadcasts(first: 1) { edges { node { status } } } }"}' >/dev/null && grep -q '"SENT"' "$work/answer.json"; do sleep 0.05; done
  sent="$(awk "BEGIN { print $(date +%s.%N) - $start }")"
  psql "$pgurl/$dbname" -qc "ANALYZE" >/dev/null
  best() { local b=999; for _ in 1 2 3; do t="$(post "$1")"; b="$(awk "BEGIN { print ($t < $b) ? $t : $b }")"; done; echo "$b"; }
  inbox="$(best '{"query":"{ messageThreads(first: 25) { edges { node { unread partner { name } lastMessage { body sentAt } } } } }"}')"
  one="P$(printf '%025d' 1)"
  thread="$(best "{\"query\":\"{ partner(id: \\\"$one\\\") { unreadMessages messages(first: 50) { edges { node { id from body sentAt } } } } }\"}")"
  echo "| $n | $(seconds "$sent") | $(awk "BEGIN { printf \"%d\", $n / $sent }") | $(seconds "$inbox") | $(seconds "$thread") |"
  kill "$server"; wait "$server" 2>/dev/null || true
done

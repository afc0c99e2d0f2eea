#!/usr/bin/env bash
# What reacting to sales costs the sales (SPEC §35): `recordEvent` on a
# tenant with 5 enabled `metricReached` workflows and 3 performance
# bounties against the same sales on a tenant with none — one server,
# every job on, so the reactions run in it after each sale commits — for
# ROUNDS rounds, which tenant goes first alternating, the partners'
# history growing through the run. Two workflows and one bounty are never
# reached, so they are looked at on every page of sales for the whole
# run; the others are reached during it (a tag, a message, a move, a
# bonus, two bounties paid). After each phase with reactions: how long,
# from its last sale answered, until every reaction was done (the
# reactions' cursor at the end of the tenant's log).
#
#   benches/reactions.sh [CONCURRENCY] [SECONDS]
#   ROUNDS=4 DATABASE=sqlite benches/reactions.sh 8 8
#
# DATABASE=postgres (the default) or sqlite.
set -euo pipefail
cd "$(dirname "$0")/.."
concurrency="${1:-8}"
seconds="${2:-8}"
rounds="${ROUNDS:-4}"
database="${DATABASE:-postgres}"
dbname="${BENCH_DATABASE:-revshare_bench_reactions}"
port=18189
title="Reactions bench"
# shellcheck source=benches/serve.sh
. benches/serve.sh

"$bin" tenant create plain --name "No reactions" >/dev/null
plain_token="$("$bin" token --tenant plain --role admin --ttl 1h)"
as() { local t="$1"; shift; curl -sf "$url" -H "Authorization: Bearer $t" -H 'content-type: application/json' -d "$1"; }

# Both tenants: a group paying 10 %, a partner per client.
for tenant in bench plain; do
  t="$token"; [ "$tenant" = plain ] && t="$plain_token"
  group="$(as "$t" '{"query":"mutation { createPartnerGroup(input: { name: \"Partners\", rules: [{ recurring: { percentage: 10 } }] }) { id } }"}' | id_of)"
  for i in $(seq 0 $((concurrency - 1))); do
    as "$t" "{\"query\":\"mutation { createPartner(input: { name: \\\"Partner $i\\\", externalId: \\\"p-$i\\\", groupId: \\\"$group\\\" }) { id } }\"}" >/dev/null
  done
done
stars="$(gql '{"query":"mutation { createPartnerGroup(input: { name: \"Stars\", rules: [{ recurring: { percentage: 10 } }] }) { id } }"}' | id_of)"
# Five workflows: three reached within the run, two never (one counting
# the whole history, from 2020).
for workflow in \
  'name: \"20 sales\", trigger: { metricReached: { metric: SALES, value: \"20\" } }, actions: [{ addTag: \"twenty\" }]' \
  'name: \"5,000 sold\", trigger: { metricReached: { metric: SALE_AMOUNT, value: \"5000\" } }, actions: [{ sendMessage: \"5,000 sold!\" }]' \
  'name: \"100 earned\", trigger: { metricReached: { metric: COMMISSION_AMOUNT, value: \"100\" } }, actions: [{ moveToGroup: \"'"$stars"'\" }, { payBonus: { amount: \"10.00\", currency: \"USD\" } }]' \
  'name: \"A million customers\", trigger: { metricReached: { metric: CUSTOMERS, value: \"1000000\" } }, actions: [{ addTag: \"million\" }]' \
  'name: \"A million sales since 2020\", trigger: { metricReached: { metric: SALES, value: \"1000000\", from: \"2020-01-01T00:00:00Z\" } }, actions: [{ addTag: \"million-sales\" }]'; do
  gql "{\"query\":\"mutation { createWorkflow(input: { $workflow }) { id } }\"}" | grep -q '"id"'
done
groups="$(gql '{"query":"{ partnerGroups { nodes { id } } }"}' | grep -oE '"id":"[^"]+"' | sed -E 's/"id":"([^"]+)"/\\"\1\\"/' | paste -sd, -)"
for bounty in \
  'name: \"30 sales\", goal: { metric: SALES, value: \"30\" }, reward: { amount: \"5.00\", currency: \"USD\" }' \
  'name: \"10,000 sold\", goal: { metric: SALE_AMOUNT, value: \"10000\" }, reward: { amount: \"20.00\", currency: \"USD\" }' \
  'name: \"A million earned\", goal: { metric: COMMISSION_AMOUNT, value: \"1000000\" }, reward: { amount: \"1.00\", currency: \"USD\" }'; do
  gql "{\"query\":\"mutation { createBounty(input: { $bounty, type: PERFORMANCE, groupIds: [$groups], startsAt: \\\"2020-01-01T00:00:00Z\\\" }) { id } }\"}" | grep -q '"id"'
done

cat >"$work/sale.json" <<'JSON'
{"query":"mutation { recordEvent(input: { externalId: \"s-{{seq}}\", partnerExternalId: \"p-{{worker}}\", customerExternalId: \"c-{{seq}}\", amount: \"120.00\" }) { commissions { amount } } }"}
JSON

# Events the reactions have not read yet (both tenants: each phase starts
# with no backlog of the other's).
behind_sql="SELECT count(*) FROM domain_events d WHERE NOT EXISTS \
  (SELECT 1 FROM reaction_cursors c WHERE c.tenant_id = d.tenant_id \
   AND (c.cursor_xid > d.xid OR (c.cursor_xid = d.xid AND c.cursor_seq >= d.seq)))"
sql() {
  case "$database" in
    postgres) psql "$pgurl/$dbname" -F' ' -Atc "$1" ;;
    sqlite) python3 -c "import sqlite3,sys; [print(*r) for r in sqlite3.connect(sys.argv[1], timeout=30).execute(sys.argv[2])]" "$work/bench.db" "$1" ;;
  esac
}
behind() { sql "$behind_sql"; }
# Milliseconds from now until the reactions have read the whole log.
caught_up_ms() {
  local start; start="$(date +%s%3N)"
  while [ "$(behind)" != 0 ]; do sleep 0.05; done
  echo $(($(date +%s%3N) - start))
}

rps() { sed -nE 's/.* rps=([0-9]+) .*/\1/p'; }
with_sum=0; without_sum=0; ratios=""
run() {
  local t="$1"
  "$loadgen" "$url" "$t" "$work/sale.json" "$concurrency" "$seconds"
}
for round in $(seq 1 "$rounds"); do
  if [ $((round % 2)) -eq 1 ]; then
    analyze; without="$(run "$plain_token")"; caught_up_ms >/dev/null
    analyze; with="$(run "$token")"; lag="$(caught_up_ms)"
  else
    analyze; with="$(run "$token")"; lag="$(caught_up_ms)"
    analyze; without="$(run "$plain_token")"; caught_up_ms >/dev/null
  fi
  echo "round $round: no reactions: $without"
  echo "round $round: 5 workflows, 3 bounties: $with; every reaction done ${lag} ms after the last sale"
  without_sum=$((without_sum + $(echo "$without" | rps)))
  with_sum=$((with_sum + $(echo "$with" | rps)))
  ratios="$ratios $(echo "$with" | rps)/$(echo "$without" | rps)"
done
echo "recordEvent ($database, $concurrency clients): no reactions $((without_sum / rounds))/s; 5 workflows and 3 bounties $((with_sum / rounds))/s ($((100 * with_sum / without_sum)) %)"
# The database grows through the run, so the phase that goes second is
# slower: the rounds' ratios, and their geometric mean over the
# alternating order.
python3 -c "import math,sys; r=[eval(x) for x in sys.argv[1:]]; print('with/without by round:', ' '.join('%.3f' % x for x in r), '; geometric mean %.3f' % math.exp(sum(map(math.log, r)) / len(r)))" $ratios
echo "workflow runs: $(sql "SELECT w.name || '=' || count(r.id) FROM workflows w LEFT JOIN workflow_runs r ON r.workflow_id = w.id AND r.failure IS NULL GROUP BY w.name ORDER BY w.name" | paste -sd' ' -)"
echo "bounty awards: $(sql "SELECT b.name || '=' || count(a.id) FROM bounties b LEFT JOIN bounty_awards a ON a.bounty_id = b.id GROUP BY b.name ORDER BY b.name" | paste -sd' ' -)"
echo "sales recorded: $(sql "SELECT tenant_id || '=' || count(*) FROM events GROUP BY tenant_id ORDER BY tenant_id" | paste -sd' ' -)"

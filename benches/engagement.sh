#!/usr/bin/env bash
# What a referrer and a spend cap cost a sale (SPEC §31): `recordEvent`
# for partners with neither, and for partners recruited by a referrer
# whose group pays 10 % of their commissions, in a group with a monthly
# cap per partner (high enough never to cut, so every sale reads what its
# partner spent and writes its referrer's reward and event) — alternated
# for ROUNDS rounds on one database, one server, the first of each round
# alternating.
#
#   benches/engagement.sh [CONCURRENCY] [SECONDS]
#   ROUNDS=4 DATABASE=sqlite benches/engagement.sh 16 8
#
# DATABASE=postgres (the default) or sqlite. ENGAGED=cap or referral
# measures one lever alone (both by default).
set -euo pipefail
cd "$(dirname "$0")/.."
concurrency="${1:-16}"
seconds="${2:-8}"
rounds="${ROUNDS:-3}"
database="${DATABASE:-postgres}"
engaged="${ENGAGED:-both}"
dbname="${BENCH_DATABASE:-revshare_bench_engagement}"
port=18187
title="Engagement bench"
# shellcheck source=benches/serve.sh
. benches/serve.sh

plain="$(gql '{"query":"mutation { createPartnerGroup(input: { name: \"Plain\", rules: [{ recurring: { percentage: 10 } }] }) { id } }"}' | id_of)"
capped="$(gql '{"query":"mutation { createPartnerGroup(input: { name: \"Capped\", rules: [{ recurring: { percentage: 10 } }] }) { id } }"}' | id_of)"
[ "$engaged" = referral ] || gql "{\"query\":\"mutation { updatePartnerGroup(id: \\\"$capped\\\", input: { cap: { amount: \\\"1000000000\\\", currency: \\\"USD\\\", period: MONTH, per: PARTNER } }) { id } }\"}" >/dev/null
referrers="$(gql '{"query":"mutation { createPartnerGroup(input: { name: \"Ambassadors\", rules: [{ recurring: { percentage: 10 } }] }) { id } }"}' | id_of)"
gql "{\"query\":\"mutation { updatePartnerGroup(id: \\\"$referrers\\\", input: { referral: { trigger: COMMISSION, percentage: \\\"10\\\" } }) { id } }\"}" >/dev/null
for i in $(seq 0 $((concurrency - 1))); do
  gql "{\"query\":\"mutation { createPartner(input: { name: \\\"Plain $i\\\", externalId: \\\"p-$i\\\", groupId: \\\"$plain\\\" }) { id } }\"}" >/dev/null
  referrer="$(gql "{\"query\":\"mutation { createPartner(input: { name: \\\"Referrer $i\\\", externalId: \\\"r-$i\\\", groupId: \\\"$referrers\\\" }) { id } }\"}" | id_of)"
  recruit="$(gql "{\"query\":\"mutation { createPartner(input: { name: \\\"Recruit $i\\\", externalId: \\\"e-$i\\\", groupId: \\\"$capped\\\" }) { id } }\"}" | id_of)"
  [ "$engaged" = cap ] || gql "{\"query\":\"mutation { setReferrer(input: { partnerId: \\\"$recruit\\\", referrerId: \\\"$referrer\\\" }) { id } }\"}" >/dev/null
done

for kind in p e; do
  cat >"$work/$kind.json" <<JSON
{"query":"mutation { recordEvent(input: { externalId: \"$kind-{{seq}}\", partnerExternalId: \"$kind-{{worker}}\", customerExternalId: \"c-{{seq}}\", amount: \"120.00\" }) { commissions { amount } } }"}
JSON
done

plain_sum=0; engaged_sum=0
rps() { sed -nE 's/.* rps=([0-9]+) .*/\1/p'; }
for round in $(seq 1 "$rounds"); do
  # Which set goes first alternates (A B, B A, …): the database grows as
  # the bench runs, and the second run of a round would pay for it.
  if [ $((round % 2)) -eq 1 ]; then
    analyze
    without="$("$loadgen" "$url" "$token" "$work/p.json" "$concurrency" "$seconds")"
    analyze
    with="$("$loadgen" "$url" "$token" "$work/e.json" "$concurrency" "$seconds")"
  else
    analyze
    with="$("$loadgen" "$url" "$token" "$work/e.json" "$concurrency" "$seconds")"
    analyze
    without="$("$loadgen" "$url" "$token" "$work/p.json" "$concurrency" "$seconds")"
  fi
  echo "round $round: without: $without"
  echo "round $round: with a referrer and a cap: $with"
  plain_sum=$((plain_sum + $(echo "$without" | rps)))
  engaged_sum=$((engaged_sum + $(echo "$with" | rps)))
done
echo "recordEvent ($database, $concurrency clients): without $((plain_sum / rounds))/s; with a referrer and a cap $((engaged_sum / rounds))/s ($((100 * engaged_sum / plain_sum)) %)"
if [ "$database" = postgres ]; then
  echo "commissions: $(psql "$pgurl/$dbname" -Atc "SELECT kind || ' ' || count(*) FROM commissions GROUP BY kind ORDER BY kind" | tr '\n' ' ')"
fi

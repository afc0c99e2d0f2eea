# The peer benches' program through revshare's API: 3 groups, 50 partners,
# 5,000 events of one commission each. Sourced after `gql` (a GraphQL POST
# of its argument, `@-` reading stdin) and `id_of` are defined.
groups=()
for g in 1 2 3; do
  groups+=("$(gql "{\"query\":\"mutation { createPartnerGroup(input: { name: \\\"Group $g\\\", rules: [{ recurring: { percentage: $((g * 5)) } }] }) { id } }\"}" | id_of)")
done
for i in $(seq 0 49); do
  gql "{\"query\":\"mutation { createPartner(input: { name: \\\"Partner $i\\\", externalId: \\\"p-$i\\\", groupId: \\\"${groups[$((i % 3))]}\\\" }) { id } }\"}" >/dev/null
done
for b in 1 2 3 4 5; do
  python3 - "$b" <<'PY' | gql @- | grep -q '"recordEvents"'
import json, sys
b = int(sys.argv[1])
items = [
    {"externalId": "e-%d-%d" % (b, i), "partnerExternalId": "p-%d" % (i % 50), "customerExternalId": "c-%d" % (i % 400), "amount": "%d.90" % (10 + i % 90)}
    for i in range(1000)
]
query = "mutation($events: [RecordEventInput!]!) { recordEvents(input: $events) { externalId } }"
print(json.dumps({"query": query, "variables": {"events": items}}))
PY
done

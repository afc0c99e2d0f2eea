"""Writes the body of a `recordEvents` request of 1,000 sales spread over the
given partners, as a client sends them (in a variable), for loadgen: each
request replaces {{seq}} so its externalIds are new.

    python3 benches/batch.py OUT.json PARTNER_ID...
"""
import json
import sys

path, partners = sys.argv[1], sys.argv[2:]
items = [
    {
        "externalId": "b-{{seq}}-%d" % i,
        "partnerId": partners[i % len(partners)],
        "customerExternalId": "c-%d" % (i % 200),
        "amount": "19.90",
    }
    for i in range(1000)
]
query = "mutation($events: [RecordEventInput!]!) { recordEvents(input: $events) { externalId error { code } } }"
json.dump({"query": query, "variables": {"events": items}}, open(path, "w"))

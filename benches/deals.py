"""Creates COUNT deals at a stage through revshare's API (200 per request,
four requests at a time) for the partners p-0 … p-(PARTNERS - 1), and
writes their ids to OUT, one per line, taking the partners in turn: a
loadgen `{{pick}}` file whose consecutive lines are deals of different
partners, so concurrent requests mostly lock different partners.

    python3 benches/deals.py URL TOKEN STAGE_ID COUNT PARTNERS OUT
"""
import json
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor

url, token, stage, count, partners, out = sys.argv[1:7]
count, partners = int(count), int(partners)
PER_REQUEST = 200


def create(start):
    fields = []
    for i in range(start, min(start + PER_REQUEST, count)):
        fields.append(
            'd%d: createDeal(input: { externalId: "pick-%d", partnerExternalId: "p-%d", '
            'name: "Deal %d", amount: "1200", stageId: "%s" }) { id }'
            % (i, i, i % partners, i, stage)
        )
    body = json.dumps({"query": "mutation { %s }" % " ".join(fields)}).encode()
    request = urllib.request.Request(
        url,
        data=body,
        headers={"Authorization": "Bearer " + token, "content-type": "application/json"},
    )
    answer = json.load(urllib.request.urlopen(request, timeout=600))
    if answer.get("errors"):
        raise SystemExit("createDeal failed: %s" % answer["errors"][:1])
    return {int(key[1:]): value["id"] for key, value in answer["data"].items()}


ids = {}
with ThreadPoolExecutor(4) as pool:
    for created in pool.map(create, range(0, count, PER_REQUEST)):
        ids.update(created)
with open(out, "w") as f:
    f.write("\n".join(ids[i] for i in range(count)) + "\n")

#!/usr/bin/env python3
"""Cuts the operations revshare calls out of Stripe's published OpenAPI
document (stripe/openapi, openapi/spec3.json), with every component they
reference, verbatim: tests/contracts/stripe-connect.json.

    python3 tests/contracts/extract-stripe.py spec3.json > tests/contracts/stripe-connect.json
"""
import json
import sys

OPERATIONS = [
    ("/v1/accounts", "post"),
    ("/v1/account_links", "post"),
    ("/v1/transfers", "post"),
]

spec = json.load(open(sys.argv[1]))
paths = {}
for path, method in OPERATIONS:
    paths.setdefault(path, {})[method] = spec["paths"][path][method]

wanted = set()


def walk(node):
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            name = ref.rsplit("/", 1)[1]
            if name not in wanted:
                wanted.add(name)
                walk(spec["components"]["schemas"][name])
        for value in node.values():
            walk(value)
    elif isinstance(node, list):
        for value in node:
            walk(value)


walk(paths)
document = {
    "openapi": spec["openapi"],
    "info": spec["info"],
    "servers": spec["servers"],
    "paths": paths,
    "components": {
        "schemas": {name: spec["components"]["schemas"][name] for name in sorted(wanted)},
        "securitySchemes": spec["components"].get("securitySchemes", {}),
    },
}
json.dump(document, sys.stdout, indent=1, sort_keys=True, ensure_ascii=False)
sys.stdout.write("\n")

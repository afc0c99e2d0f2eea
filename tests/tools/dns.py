"""A real DNS server (dnslib) for the tests in tests/api/ to look link
domains' proofs up in. UDP and TCP on 127.0.0.1, one free port.

  dns.py serve FILE    listen, print one line {"port": N}, then serve
                       until stdin reaches EOF or SIGTERM/SIGINT

FILE is JSON, read again for every question:
  {"txt": {"NAME": ["value", ...]}, "servfail": ["NAME", ...],
   "answers_as": {"NAME": "OWNER"}}
A TXT question for a NAME listed under "txt" is answered with its
records; a NAME under "servfail" is answered SERVFAIL; a NAME under
"answers_as" is answered with OWNER's records under OWNER's name (what a
careless or poisoned resolver sends); any other name NXDOMAIN. Names are
compared in lower case, without the final dot. A value longer than 255
bytes is split in strings, as DNS carries it.
"""

import json
import os
import signal
import socketserver
import sys
import threading

from dnslib import QTYPE, RCODE, RR, TXT
from dnslib.server import BaseResolver, DNSLogger, DNSServer


class FileResolver(BaseResolver):
    def __init__(self, path):
        self.path = path

    def records(self):
        try:
            with open(self.path) as f:
                return json.load(f)
        except (OSError, ValueError):
            return {}

    def resolve(self, request, handler):
        reply = request.reply()
        name = str(request.q.qname).rstrip(".").lower()
        data = self.records()
        if name in [n.lower() for n in data.get("servfail", [])]:
            reply.header.rcode = RCODE.SERVFAIL
            return reply
        txt = {k.lower(): v for k, v in data.get("txt", {}).items()}
        answers_as = {k.lower(): v.lower() for k, v in data.get("answers_as", {}).items()}
        if name in answers_as:
            owner = answers_as[name]
            if request.q.qtype == QTYPE.TXT:
                for value in txt.get(owner, []):
                    add_txt(reply, owner, value)
            return reply
        if name not in txt:
            reply.header.rcode = RCODE.NXDOMAIN
            return reply
        if request.q.qtype == QTYPE.TXT:
            for value in txt[name]:
                add_txt(reply, name, value)
        return reply


def add_txt(reply, owner, value):
    raw = value.encode()
    strings = [raw[i : i + 255] for i in range(0, len(raw), 255)] or [b""]
    reply.add_answer(RR(owner, QTYPE.TXT, rdata=TXT(strings), ttl=60))


def serve(path):
    resolver = FileResolver(path)
    logger = DNSLogger(log="-request,-reply,-truncated,-error,-recv,-send,-data")
    udp = DNSServer(resolver, address="127.0.0.1", port=0, logger=logger)
    port = udp.server.server_address[1]
    tcp = DNSServer(resolver, address="127.0.0.1", port=port, tcp=True, logger=logger)
    udp.start_thread()
    tcp.start_thread()
    print(json.dumps({"port": port}), flush=True)

    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())

    def watch_stdin():
        sys.stdin.read()
        done.set()

    threading.Thread(target=watch_stdin, daemon=True).start()
    done.wait()
    os._exit(0)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "serve":
        sys.exit(__doc__)
    serve(sys.argv[2])

"""A real SMTP server (aiosmtpd) for the mail tests in tests/api/ to send
revshare's mail to. ESMTP on 127.0.0.1, no AUTH, no STARTTLS.

  smtp.py serve DIR    listen on a free port, print one line {"port": N},
                       then serve until stdin reaches EOF or SIGTERM/SIGINT

Each accepted message is saved in DIR as NNNN.eml (0001, 0002, ...): the
DATA bytes exactly as received (CRLF line ends, dot-unstuffed), with the
envelope in NNNN.json, {"mail_from": ..., "rcpt_tos": [...]}. Both are
written under a temporary name and renamed, the .json first, so once an
.eml exists it is complete and its .json is there too.

The recipient's local part picks the answer to RCPT TO:
  tempfail...  451 4.3.0 Try again later
  bounce...    550 5.1.1 No such user
  flaky...     451 the first time this server sees that exact address,
               250 from then on
  anything     250
"""

import asyncio
import json
import os
import signal
import sys
import threading

from aiosmtpd.smtp import SMTP


def write_atomically(path, data):
    directory, name = os.path.split(path)
    temporary = os.path.join(directory, "." + name + ".tmp")
    with open(temporary, "wb") as f:
        f.write(data)
    os.rename(temporary, path)


class Handler:
    def __init__(self, directory):
        self.directory = directory
        self.count = sum(1 for name in os.listdir(directory) if name.endswith(".eml"))
        self.flaky_seen = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.rsplit("@", 1)[0].lower()
        if local.startswith("tempfail"):
            return "451 4.3.0 Try again later"
        if local.startswith("bounce"):
            return "550 5.1.1 No such user"
        if local.startswith("flaky") and address.lower() not in self.flaky_seen:
            self.flaky_seen.add(address.lower())
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        stem = os.path.join(self.directory, "%04d" % self.count)
        sidecar = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos}
        write_atomically(stem + ".json", json.dumps(sidecar).encode())
        write_atomically(stem + ".eml", envelope.original_content)
        return "250 2.0.0 OK"


async def serve(directory):
    loop = asyncio.get_running_loop()
    handler = Handler(directory)
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="localhost", loop=loop), "127.0.0.1", 0
    )
    print(json.dumps({"port": server.sockets[0].getsockname()[1]}), flush=True)

    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)

    def wait_for_stdin_eof():
        while sys.stdin.buffer.read(4096):
            pass
        loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=wait_for_stdin_eof, daemon=True).start()
    await stop.wait()
    server.close()


if __name__ == "__main__":
    command, directory = sys.argv[1], sys.argv[2]
    assert command == "serve", "usage: smtp.py serve DIR"
    asyncio.run(serve(directory))

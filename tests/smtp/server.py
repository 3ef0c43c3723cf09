"""A real SMTP server on loopback for Holdfast's mail tests, e2e test and bench (issue 16):
Debian's python3-aiosmtpd, installed by `cargo xtask test`'s install step.

    python3 tests/smtp/server.py --dir DIR [--port N]

Listens on 127.0.0.1 (port N, or a free one), writes the port to DIR/port once it accepts
connections, and keeps every message it takes as DIR/<n>.eml (the data as received) with
DIR/<n>.rcpt (the envelope's recipients, one a line), numbered from 1. A recipient whose address
contains "refuse" is refused with 550. When DIR/drop-next exists, the next message's connection is
dropped at its DATA command (and the file is removed), as a server that goes away mid-send.
"""

import argparse
import asyncio
import os
import signal
import socket

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if "refuse" in address:
            return "550 5.1.1 <%s>: Recipient address rejected: no such user" % address
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        marker = os.path.join(self.directory, "drop-next")
        if os.path.exists(marker):
            os.remove(marker)
            server.transport.abort()
            return "451 4.3.0 dropped"
        self.count += 1
        stem = os.path.join(self.directory, str(self.count))
        with open(stem + ".rcpt.tmp", "w") as rcpt:
            rcpt.write("\n".join(envelope.rcpt_tos) + "\n")
        with open(stem + ".eml.tmp", "wb") as eml:
            eml.write(envelope.original_content or envelope.content)
        os.rename(stem + ".rcpt.tmp", stem + ".rcpt")
        os.rename(stem + ".eml.tmp", stem + ".eml")
        return "250 2.0.0 Ok: queued as %d" % self.count


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    port = args.port or free_port()
    handler = Handler(args.dir)
    # Existing messages keep their numbers across a restart of the server.
    handler.count = len([name for name in os.listdir(args.dir) if name.endswith(".eml")])
    controller = Controller(
        handler, hostname="127.0.0.1", port=port, ready_timeout=30, server_hostname="localhost"
    )
    controller.start()
    with open(os.path.join(args.dir, "port.tmp"), "w") as out:
        out.write(str(port))
    os.rename(os.path.join(args.dir, "port.tmp"), os.path.join(args.dir, "port"))
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.run_until_complete(stop.wait())
    controller.stop()


if __name__ == "__main__":
    main()

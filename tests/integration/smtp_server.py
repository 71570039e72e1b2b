"""A real SMTP server on loopback for the outbox tests (aiosmtpd), recording what it accepted."""

from __future__ import annotations

import email
import socket
import threading
from email.policy import default

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Recorder:
    """aiosmtpd handler: `hook(msg)` may return an SMTP reply to refuse a message."""

    def __init__(self):
        self.accepted: list[email.message.EmailMessage] = []
        self.seen = 0
        self.hook = None
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=default)
        with self.lock:
            self.seen += 1
            n = self.seen
        if self.hook is not None:
            reply = self.hook(msg, n)
            if reply:
                return reply
        with self.lock:
            self.accepted.append(msg)
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.accepted]

    def to(self, address: str) -> list:
        return [m for m in self.accepted if m["To"] == address]


class SMTPServer:
    def __init__(self):
        self.recorder = Recorder()
        self.port = free_port()
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()

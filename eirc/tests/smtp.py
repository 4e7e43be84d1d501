"""A real SMTP server on loopback (aiosmtpd) for tests: `loopback_smtp()`
starts one on a free port and yields the `Inbox` that collects what arrives.
The root conftest's `smtp_server` fixture also points Django's email at it."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope

HOST = "127.0.0.1"


class Inbox:
    """aiosmtpd handler: keeps every envelope (`rcpt_tos`, raw `content`)."""

    def __init__(self, port: int):
        self.port = port
        self.envelopes: list[Envelope] = []

    async def handle_DATA(self, server, session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 OK"

    @property
    def messages(self) -> list[tuple[list[str], EmailMessage]]:
        """(recipients, parsed message) for every envelope, in arrival order."""
        return [(e.rcpt_tos, message_from_bytes(e.content, policy=policy.default)) for e in self.envelopes]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@contextmanager
def loopback_smtp() -> Iterator[Inbox]:
    inbox = Inbox(free_port())
    controller = Controller(inbox, hostname=HOST, port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()

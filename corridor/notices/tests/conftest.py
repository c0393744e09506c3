"""A real SMTP server on 127.0.0.1 (aiosmtpd, in a thread) that keeps what it receives, and
the tasks app's North team (a case with a missed check-in is how an alert comes about)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from corridor.tasks.tests.conftest import team  # noqa: F401 - a fixture, used by name

NOTICE_FROM = "notices@corridor.example"


@dataclass
class Inbox:
    port: int
    received: list[tuple[list[str], bytes]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.received.append((list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 Message accepted"

    def messages(self) -> list[Message]:
        return [message_from_bytes(raw) for _to, raw in self.received]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def smtp_settings(settings: Any, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.CORRIDOR_NOTICE_FROM = NOTICE_FROM


@pytest.fixture
def smtp(settings: Any) -> Iterator[Inbox]:
    """Settings pointing at a running aiosmtpd server; its inbox."""
    inbox = Inbox(free_port())
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    smtp_settings(settings, inbox.port)
    try:
        yield inbox
    finally:
        controller.stop()

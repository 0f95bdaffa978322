"""Email as people receive it: a real SMTP server on loopback (aiosmtpd), and helpers that read
a message's text and HTML parts and the links in them."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage as MimeMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.core.mail import EmailMessage

from tests.onboarding.conftest import committed_db  # noqa: F401  (a fixture)

ROOT = Path(__file__).resolve().parents[2]
BASE_URL = "https://app.causeloop.example"
LINK = re.compile(r"https?://[^\s\"'<>]+")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Recorder:
    """aiosmtpd's handler: keeps every message, after `delay` seconds of silence."""

    delay: float = 0.0
    messages: list[MimeMessage] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    port: int
    recorder: Recorder

    @property
    def messages(self) -> list[MimeMessage]:
        return self.recorder.messages

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def mailers(self) -> dict:
        """MAILERS sending to this server (what EMAIL_URL=smtp://… gives)."""
        return {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": self.port, "timeout": 10},
            }
        }


@pytest.fixture
def smtp_server() -> Iterator:
    """`smtp_server(delay=0)` → a running SMTP server on a free loopback port."""
    controllers: list[Controller] = []

    def start(delay: float = 0.0) -> SmtpServer:
        recorder = Recorder(delay=delay)
        port = free_port()
        controller = Controller(recorder, hostname="127.0.0.1", port=port)
        controller.start()
        controllers.append(controller)
        return SmtpServer(port=port, recorder=recorder)

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def dead_smtp_url() -> str:
    """An SMTP address where nothing listens."""
    return f"smtp://127.0.0.1:{free_port()}"


def dead_mailers(url: str) -> dict:
    port = int(url.rsplit(":", 1)[1])
    return SmtpServer(port=port, recorder=Recorder()).mailers()


def parts_of(message: EmailMessage | MimeMessage) -> dict[str, str]:
    """A sent (outbox) or received (SMTP) message's bodies by type: text/plain, text/html."""
    if isinstance(message, EmailMessage):
        bodies = {"text/plain": str(message.body)}
        for alternative in getattr(message, "alternatives", ()):
            bodies[alternative.mimetype] = str(alternative.content)
        return bodies
    return {
        part.get_content_type(): part.get_content()
        for part in message.walk()
        if part.get_content_maintype() == "text"
    }


def links_in(text: str) -> list[str]:
    return LINK.findall(text)


DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def run_worker():
    """`run_worker(email_url)` runs `manage.py db_worker --batch` (a real worker process, on
    the test database; use with `committed_db`) until the queue is empty, sending through
    `email_url`."""
    database = settings.DATABASES["default"]
    url = "postgres://{user}{password}@{host}:{port}/{name}".format(
        user=database["USER"] or "postgres",
        password=f":{database['PASSWORD']}" if database["PASSWORD"] else "",
        host=database["HOST"] or "127.0.0.1",
        port=database["PORT"] or 5432,
        name=database["NAME"],
    )

    def run(email_url: str) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "TASKS_BACKEND": "database",
            "EMAIL_URL": email_url,
            "CAUSELOOP_BASE_URL": BASE_URL,
            "CAUSELOOP_ZEAL": "false",
        }
        command = ["db_worker", "--batch", "--no-startup-delay", "--no-reload"]
        return subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *command],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )

    return run

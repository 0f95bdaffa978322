"""Webhook fixtures: a real HTTP receiver on loopback, and real worker processes
(`manage.py db_worker`) on the test database, optionally with their clock moved forward."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from standardwebhooks.webhooks import Webhook
from zeal import zeal_ignore

ROOT = Path(__file__).resolve().parents[2]
CLOCK = Path(__file__).with_name("clock.py")


@pytest.fixture(autouse=True)
def _no_zeal() -> Iterator[None]:
    # Several service calls in a row repeat the same queries by design; that is no N+1.
    with zeal_ignore():
        yield


@dataclass
class Received:
    """One request the receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]

    def verified(self, secret: str) -> dict:
        """The payload, verified with the `standardwebhooks` package (at the moment the
        request says it was signed: workers may run with their clock moved forward)."""
        signed_at = datetime.fromtimestamp(int(self.headers["webhook-timestamp"]), UTC)
        with time_machine.travel(signed_at, tick=False):
            return Webhook(secret).verify(self.body, self.headers)


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 that records every request and answers with the next status
    from `statuses` (then `default_status`), after `delay` seconds."""

    url: str
    requests: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    default_status: int = 200
    delay: float = 0.0
    in_flight: dict[str, int] = field(default_factory=dict)
    overlaps: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ids(self) -> list[str]:
        with self.lock:
            return [request.webhook_id for request in self.requests]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            hook = state["receiver"]
            webhook_id = self.headers.get("webhook-id", "")
            with hook.lock:
                if hook.in_flight.get(webhook_id):
                    hook.overlaps.append(webhook_id)
                hook.in_flight[webhook_id] = hook.in_flight.get(webhook_id, 0) + 1
                status = hook.statuses.pop(0) if hook.statuses else hook.default_status
            if hook.delay:
                threading.Event().wait(hook.delay)
            with hook.lock:
                hook.in_flight[webhook_id] -= 1
                hook.requests.append(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
            answer = json.dumps({"status": status}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state["receiver"] = Receiver(url=f"http://127.0.0.1:{server.server_port}/hooks")
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state["receiver"]
    server.shutdown()
    server.server_close()


def _database_url() -> str:
    database = settings.DATABASES["default"]
    return "postgres://{user}{password}@{host}:{port}/{name}".format(
        user=database["USER"] or "postgres",
        password=f":{database['PASSWORD']}" if database["PASSWORD"] else "",
        host=database["HOST"] or "127.0.0.1",
        port=database["PORT"] or 5432,
        name=database["NAME"],
    )


def _worker_command(*, batch: bool, ahead: float) -> tuple[list[str], dict[str, str]]:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "TASKS_BACKEND": "database",
        "CAUSELOOP_ZEAL": "false",
        "CAUSELOOP_WEBHOOKS_ALLOW_PRIVATE": "true",
        "CAUSELOOP_WEBHOOKS_SCHEDULER_INTERVAL": "0.05",
    }
    command = ["db_worker", "--no-startup-delay", "--no-reload", "--interval", "0.05"]
    if batch:
        command.append("--batch")
    return [sys.executable, str(CLOCK), str(ahead), str(ROOT / "manage.py"), *command], env


@pytest.fixture
def run_worker() -> Callable[..., subprocess.CompletedProcess[str]]:
    """`run_worker(ahead=seconds)`: `db_worker --batch` in a real process on the test database
    (use with `committed_db`), its clock `ahead` seconds in the future; returns when the queue
    and the scheduler have nothing left that is due."""

    def run(*, ahead: float = 0) -> subprocess.CompletedProcess[str]:
        command, env = _worker_command(batch=True, ahead=ahead)
        done = subprocess.run(
            command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done

    return run


@pytest.fixture
def start_worker() -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """`start_worker(ahead=seconds)`: a long-running `db_worker` process (stopped at the end)."""
    started: list[subprocess.Popen[str]] = []

    def start(*, ahead: float = 0) -> subprocess.Popen[str]:
        command, env = _worker_command(batch=False, ahead=ahead)
        log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, text=True
        )
        process.log = log  # type: ignore[attr-defined]
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)

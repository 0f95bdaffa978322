"""A webhook receiver for the benchmarks, in a process of its own (so serving it takes nothing
from the process measuring): a threaded HTTP server on loopback that answers 204 (at once, or
after `delay` seconds, as a receiver doing some work would) and notes when each `webhook-id`
arrived."""

from __future__ import annotations

import json
import multiprocessing
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


def _receive(port: Any, count: Any, stop: Any, report: str, delay: float) -> None:
    arrivals: list[tuple[str, float]] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if delay:
                time.sleep(delay)
            arrivals.append((self.headers.get("webhook-id", ""), time.time()))
            with count.get_lock():
                count.value += 1
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port.value = server.server_port
    server.timeout = 0.1
    while not stop.is_set():
        server.handle_request()
    Path(report).write_text(json.dumps(arrivals))


class Receiver:
    """`received()` counts the requests so far; `arrivals()` stops the server and returns
    (webhook-id, arrival time) for each request."""

    def __init__(self, *, delay: float = 0.0) -> None:
        context = multiprocessing.get_context("fork")
        self.port = context.Value("i", 0)
        self.count = context.Value("i", 0)
        self.stop = context.Event()
        self.report = tempfile.NamedTemporaryFile(suffix=".json", delete=False).name  # noqa: SIM115
        self.process = context.Process(
            target=_receive,
            args=(self.port, self.count, self.stop, self.report, delay),
            daemon=True,
        )
        self.process.start()
        while not self.port.value:
            time.sleep(0.01)
        self.url = f"http://127.0.0.1:{self.port.value}/hooks"

    def received(self) -> int:
        return int(self.count.value)

    def arrivals(self) -> list[tuple[str, float]]:
        self.stop.set()
        self.process.join(timeout=10)
        arrivals = json.loads(Path(self.report).read_text())
        Path(self.report).unlink()
        return [(webhook_id, at) for webhook_id, at in arrivals]

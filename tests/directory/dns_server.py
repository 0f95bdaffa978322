"""A small authoritative DNS server on a loopback UDP port (dnslib), so that verifying a domain
runs a real DNS lookup: the test sets the TXT records, the lookup asks the server.

`dns_server` answers for the names it was told about (`publish`, `exists`) and NXDOMAIN for
any other; `silent_dns_server` receives queries and never answers (a timeout). Both point
`CAUSELOOP_DNS_RESOLVER` at themselves for the test.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from dnslib import QTYPE, RCODE, RR, TXT, DNSRecord
from dnslib.server import DNSLogger, DNSServer


class Zone:
    """The records the server holds, as the test sets them (thread-safe: the server reads them
    from its own thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._txt: dict[str, list[list[str]]] = {}
        self.queries: list[str] = []

    @staticmethod
    def _key(name: str) -> str:
        return name.rstrip(".").lower()

    def exists(self, name: str) -> None:
        """The name exists (NOERROR), with no record of its own yet."""
        with self._lock:
            self._txt.setdefault(self._key(name), [])

    def publish(self, name: str, *values: str | list[str]) -> None:
        """Add TXT records at `name`; a list is one record split into several strings."""
        with self._lock:
            records = self._txt.setdefault(self._key(name), [])
            records += [[value] if isinstance(value, str) else list(value) for value in values]

    def clear(self, name: str) -> None:
        with self._lock:
            self._txt.pop(self._key(name), None)

    def resolve(self, request: DNSRecord, handler: object) -> DNSRecord:
        reply = request.reply()
        name = self._key(str(request.q.qname))
        with self._lock:
            self.queries.append(name)
            records = self._txt.get(name)
            records = None if records is None else [list(r) for r in records]
        if records is None:
            reply.header.rcode = RCODE.NXDOMAIN
        elif request.q.qtype == QTYPE.TXT:
            for strings in records:
                reply.add_answer(RR(request.q.qname, QTYPE.TXT, rdata=TXT(strings), ttl=60))
        return reply


@pytest.fixture
def dns_server(settings) -> Iterator[Zone]:
    """An authoritative server on 127.0.0.1 (a free port), `CAUSELOOP_DNS_RESOLVER` set to it."""
    zone = Zone()
    quiet = DNSLogger("-request,-reply,-truncated,-error,-recv,-send,-data", prefix=False)
    server = DNSServer(zone, address="127.0.0.1", port=0, logger=quiet)
    # A short poll interval: stopping the server waits that long at most.
    thread = threading.Thread(
        target=server.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    host, port = server.server.server_address
    settings.CAUSELOOP_DNS_RESOLVER = f"{host}:{port}"
    settings.CAUSELOOP_DNS_TIMEOUT = 2.0
    try:
        yield zone
    finally:
        server.server.shutdown()
        server.server.server_close()
        thread.join()


@pytest.fixture
def silent_dns_server(settings) -> Iterator[None]:
    """A UDP port that takes queries and never answers: every lookup times out."""
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))
    host, port = sink.getsockname()
    settings.CAUSELOOP_DNS_RESOLVER = f"{host}:{port}"
    settings.CAUSELOOP_DNS_TIMEOUT = 0.5
    try:
        yield
    finally:
        sink.close()

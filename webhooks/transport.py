"""One HTTP POST to an endpoint: to the address `addresses.target` checked, never following a
redirect, within 15 seconds, keeping only the start of the answer.

Connections are pooled per process (keep-alive), keyed by the checked address and the host
name, so a worker sending many events to one receiver does not pay a TCP and TLS handshake for
each.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass

import certifi
import urllib3
from urllib3.exceptions import ConnectTimeoutError, HTTPError, NewConnectionError, TimeoutError

from webhooks.addresses import Target

TIMEOUT_SECONDS = 15.0
CONNECT_SECONDS = 5.0
KEPT_BODY_CHARACTERS = 2000
_READ_BYTES = 8 * 1024
_MAX_POOLS = 64
_pools: OrderedDict[tuple[str, str, int, str], urllib3.HTTPConnectionPool] = OrderedDict()


@dataclass(frozen=True)
class Response:
    """What an attempt got back: a status (None if no answer came) and an error to show."""

    status: int | None
    body: str
    duration_ms: int
    error: str

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def _pool(target: Target) -> urllib3.HTTPConnectionPool:
    key = (target.scheme, target.address, target.port, target.host)
    pool = _pools.get(key)
    if pool is not None:
        _pools.move_to_end(key)
        return pool
    timeout = urllib3.Timeout(connect=CONNECT_SECONDS, read=TIMEOUT_SECONDS, total=TIMEOUT_SECONDS)
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            target.address,
            target.port,
            timeout=timeout,
            retries=False,
            maxsize=2,
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
            ca_certs=certifi.where(),
        )
    else:
        pool = urllib3.HTTPConnectionPool(
            target.address, target.port, timeout=timeout, retries=False, maxsize=2
        )
    _pools[key] = pool
    while len(_pools) > _MAX_POOLS:
        _pools.popitem(last=False)[1].close()
    return pool


def _host_header(target: Target) -> str:
    default = 443 if target.scheme == "https" else 80
    host = f"[{target.host}]" if ":" in target.host else target.host
    return host if target.port == default else f"{host}:{target.port}"


def post(target: Target, body: bytes, headers: dict[str, str]) -> Response:
    """POST `body`; a 2xx within the timeout is success, anything else (a redirect included)
    is a failed attempt with its reason."""
    started = time.monotonic()

    def elapsed() -> int:
        return round((time.monotonic() - started) * 1000)

    try:
        answer = _pool(target).urlopen(
            "POST",
            target.path,
            body=body,
            headers={**headers, "Host": _host_header(target)},
            redirect=False,
            retries=False,
            preload_content=False,
            assert_same_host=False,
        )
        try:
            raw = answer.read(_READ_BYTES, decode_content=True)
        finally:
            if answer.length_remaining is None or answer.length_remaining > _READ_BYTES:
                answer.close()  # a long answer: drop the connection rather than read it all
            else:
                answer.drain_conn()
            answer.release_conn()
    except NewConnectionError as error:  # first: urllib3 makes it a ConnectTimeoutError
        return Response(None, "", elapsed(), f"Could not connect: {_reason(error)}")
    except ConnectTimeoutError:
        return Response(
            None, "", elapsed(), f"Could not connect within {CONNECT_SECONDS:.0f} seconds."
        )
    except TimeoutError:
        return Response(None, "", elapsed(), f"No answer within {TIMEOUT_SECONDS:.0f} seconds.")
    except (HTTPError, OSError) as error:
        return Response(None, "", elapsed(), f"Could not connect: {_reason(error)}")
    text = raw.decode("utf-8", errors="replace")[:KEPT_BODY_CHARACTERS]
    status = answer.status
    reason = ""
    if 300 <= status < 400:
        reason = f"Redirects are not followed (to {answer.headers.get('Location', '?')})."[:500]
    elif not 200 <= status < 300:
        reason = f"The endpoint answered {status}."
    return Response(status, text, elapsed(), reason)


def _reason(error: Exception) -> str:
    """The error in words, without the connection object urllib3 puts in front of it."""
    text = str(error)
    if text.startswith("<") and ">: " in text:
        text = text.split(">: ", 1)[1]
    return text[:450]

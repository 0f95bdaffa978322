"""Where a webhook may go: a public address, never this network's (SSRF, §10).

A URL is checked when it is saved and its host is resolved again before every attempt (DNS can
change in between); the attempt then connects to the address that was checked, not to a second
lookup. Private, loopback, link-local (cloud metadata at 169.254.169.254 and fd00:ec2::254),
shared (100.64/10), reserved, multicast and unspecified addresses are all refused: anything
`ipaddress` does not call global. `CAUSELOOP_WEBHOOKS_ALLOW_PRIVATE` lifts the rule (and allows
plain http) for tests and development only.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from causeloop.core.errors import ValidationFailed

MAX_URL_LENGTH = 2000
_METADATA_HOSTS = {"metadata.google.internal", "metadata", "instance-data"}


class UnsafeAddress(Exception):
    """The URL's host is, or resolves to, an address webhooks may not reach."""


@dataclass(frozen=True)
class Target:
    """A URL split into what the connection needs: the checked address to connect to, and the
    host name to send (`Host`, TLS server name and certificate check)."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def private_allowed() -> bool:
    return bool(settings.CAUSELOOP_WEBHOOKS_ALLOW_PRIVATE)


def _refused(message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={"url": [message]})


def clean_url(value: object) -> str:
    """The endpoint URL, checked as far as can be without connecting: https (http only where
    private addresses are allowed), a host, no credentials, and a public address."""
    if not isinstance(value, str) or not value.strip():
        raise _refused("Enter the URL of your endpoint, such as https://example.com/webhooks.")
    url = value.strip()
    if len(url) > MAX_URL_LENGTH:
        raise _refused(f"The URL must be at most {MAX_URL_LENGTH:,} characters.")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as error:
        raise _refused("This is not a valid URL.") from error
    schemes = {"https", "http"} if private_allowed() else {"https"}
    if parts.scheme not in schemes or not parts.hostname:
        raise _refused("The URL must start with https:// and name a host.")
    if parts.username or parts.password:
        raise _refused("The URL must not contain a user name or password.")
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise _refused("The URL must not contain spaces or control characters.")
    try:
        target(url)
    except UnsafeAddress as error:
        raise _refused(str(error)) from error
    return url


def target(url: str) -> Target:
    """Resolve `url`'s host and return the address to connect to, refusing unsafe ones."""
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".").lower()
    port = parts.port or (443 if parts.scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if not private_allowed() and host in _METADATA_HOSTS:
        raise UnsafeAddress(f"{host} is a cloud metadata service; webhooks cannot be sent there.")
    addresses = _resolve(host, port)
    if not private_allowed():
        for address in addresses:
            if not _is_public(address):
                raise UnsafeAddress(
                    f"{host} resolves to {address}, a private or reserved address; "
                    "webhooks can only be sent to public addresses."
                )
    if parts.scheme != "https" and not (parts.scheme == "http" and private_allowed()):
        # Checked again here: a URL saved while plain http was allowed is not sent once it is not.
        raise UnsafeAddress("Webhooks are only sent over https://.")
    return Target(scheme=parts.scheme, host=host, port=port, path=path, address=addresses[0])


def _resolve(host: str, port: int) -> list[str]:
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise UnsafeAddress(f"{host} could not be resolved.") from error
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise UnsafeAddress(f"{host} could not be resolved.")
    return addresses


def _is_public(text: str) -> bool:
    address = ipaddress.ip_address(text.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped or address.sixtofour
        if mapped is not None:
            address = mapped
    return address.is_global and not address.is_multicast

"""The DNS side of verifying a domain: look up the TXT records at the domain's own name and say,
in words for the person who publishes them, whether the expected one is there.

The resolver is `CAUSELOOP_DNS_RESOLVER` ("host" or "host:port", several separated by commas;
empty: the system's resolvers) and every lookup gives up after `CAUSELOOP_DNS_TIMEOUT`
seconds, so a silent server costs a request a few seconds, never a hung worker.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from enum import StrEnum

import dns.exception
import dns.nameserver
import dns.resolver
from django.conf import settings
from django.core.checks import CheckMessage, Error
from django.core.exceptions import ImproperlyConfigured

# How much of the records found instead of the expected one a message quotes.
_QUOTED_RECORDS = 3
_QUOTED_LENGTH = 60


class Outcome(StrEnum):
    FOUND = "found"
    MISSING = "missing"  # TXT records exist, the expected one is not among them
    NXDOMAIN = "nxdomain"  # the name does not exist
    NO_ANSWER = "no_answer"  # the name exists but has no TXT record
    TIMEOUT = "timeout"
    FAILED = "failed"  # no server gave a usable answer (SERVFAIL, REFUSED, unreachable)


@dataclass(frozen=True)
class TxtLookup:
    """What the lookup found, and the sentence that tells the person."""

    outcome: Outcome
    message: str

    @property
    def found(self) -> bool:
        return self.outcome == Outcome.FOUND


def nameservers(value: str) -> list[dns.nameserver.Do53Nameserver]:
    """The servers `CAUSELOOP_DNS_RESOLVER` names: "127.0.0.1:5353", "[::1]:53", "10.0.0.2"."""
    servers = []
    for entry in (part.strip() for part in value.split(",")):
        if not entry:
            continue
        host, port = entry, "53"
        if entry.startswith("["):  # [IPv6]:port
            host, _, rest = entry[1:].partition("]")
            port = rest.removeprefix(":") or "53"
        elif entry.count(":") == 1:
            host, port = entry.split(":")
        try:
            ipaddress.ip_address(host)
            number = int(port)
        except ValueError:
            raise ImproperlyConfigured(
                f'CAUSELOOP_DNS_RESOLVER: "{entry}" is not an IP address with an optional port.'
            ) from None
        if not 1 <= number <= 65535:
            raise ImproperlyConfigured(f'CAUSELOOP_DNS_RESOLVER: "{entry}" has no valid port.')
        servers.append(dns.nameserver.Do53Nameserver(host, number))
    return servers


def _resolver() -> dns.resolver.Resolver:
    configured = nameservers(settings.CAUSELOOP_DNS_RESOLVER)
    resolver = dns.resolver.Resolver(configure=not configured)
    if configured:
        resolver.nameservers = configured
    resolver.timeout = resolver.lifetime = settings.CAUSELOOP_DNS_TIMEOUT
    return resolver


def _text(strings: tuple[bytes, ...]) -> str:
    # A long record comes as several strings of at most 255 bytes: they form one value.
    return b"".join(strings).decode("utf-8", errors="replace")


def _quoted(records: list[str]) -> str:
    shown = [
        f'"{record[:_QUOTED_LENGTH]}{"…" if len(record) > _QUOTED_LENGTH else ""}"'
        for record in records[:_QUOTED_RECORDS]
    ]
    more = len(records) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more else "")


def lookup_txt(name: str, *, expected: str, prefix: str) -> TxtLookup:
    """Whether `name` holds the TXT record `expected`; records starting with `prefix` but
    holding another value are called out (an old or mistyped token)."""
    try:
        answer = _resolver().resolve(name, "TXT", search=False)
    except dns.resolver.NXDOMAIN:
        return TxtLookup(
            Outcome.NXDOMAIN,
            f"{name} does not exist in DNS (NXDOMAIN): check the spelling, or wait until the "
            "domain is registered and its DNS is served.",
        )
    except dns.resolver.NoAnswer:
        return TxtLookup(
            Outcome.NO_ANSWER,
            f"{name} has no TXT record yet: publish {expected} there at your DNS provider. "
            "A new record can take a few minutes (sometimes hours) to appear.",
        )
    except dns.exception.Timeout:
        return TxtLookup(
            Outcome.TIMEOUT,
            f"The DNS lookup of {name} timed out after {settings.CAUSELOOP_DNS_TIMEOUT:g} "
            "seconds. Try again in a moment.",
        )
    except dns.exception.DNSException as error:  # SERVFAIL, REFUSED, no server reachable
        return TxtLookup(
            Outcome.FAILED,
            f"No DNS server gave an answer about {name} ({type(error).__name__}). Try again "
            "in a moment.",
        )
    records = [_text(rdata.strings) for rdata in answer]
    if any(record.strip() == expected for record in records):
        return TxtLookup(Outcome.FOUND, f"Found the TXT record {expected} at {name}.")
    ours = [record for record in records if record.strip().startswith(prefix)]
    if ours:
        return TxtLookup(
            Outcome.MISSING,
            f"{name} has a {prefix.rstrip('=')} TXT record with another token ({_quoted(ours)}): "
            f"replace it with {expected}.",
        )
    return TxtLookup(
        Outcome.MISSING,
        f"{name} has TXT records, but not {expected}. Found: {_quoted(records)}.",
    )


def check_resolver_setting(app_configs: object = None, **_kwargs: object) -> list[CheckMessage]:
    """A system check: `CAUSELOOP_DNS_RESOLVER` names servers, and the timeout is sensible (so
    a typo stops `manage.py check` rather than the first verification)."""
    errors: list[CheckMessage] = []
    try:
        nameservers(settings.CAUSELOOP_DNS_RESOLVER)
    except ImproperlyConfigured as error:
        errors.append(Error(str(error), id="directory.E001"))
    if not 0 < settings.CAUSELOOP_DNS_TIMEOUT <= 60:
        errors.append(
            Error(
                "CAUSELOOP_DNS_TIMEOUT must be more than 0 and at most 60 seconds.",
                id="directory.E002",
            )
        )
    return errors

"""The TXT lookup against a real DNS server on loopback (tests/directory/dns_server.py): each
outcome a person can meet, in words they can act on; and the resolver setting."""

from __future__ import annotations

import time

import pytest
from django.core.exceptions import ImproperlyConfigured

from directory.dns import Outcome, check_resolver_setting, lookup_txt, nameservers

PREFIX = "causeloop-verification="
EXPECTED = f"{PREFIX}right-token"


def lookup(name: str = "acme.test"):
    return lookup_txt(name, expected=EXPECTED, prefix=PREFIX)


def test_the_record_among_others_verifies(dns_server):
    dns_server.publish("acme.test", "v=spf1 include:_spf.acme.test -all", EXPECTED)
    found = lookup()
    assert found.outcome == Outcome.FOUND
    assert found.found
    assert dns_server.queries == ["acme.test"]  # at the domain's own name, nowhere else


def test_a_record_split_into_several_strings_is_joined(dns_server):
    dns_server.publish("acme.test", [PREFIX, "right-", "token"])
    assert lookup().outcome == Outcome.FOUND


def test_the_name_is_case_insensitive_and_surrounding_spaces_do_not_matter(dns_server):
    dns_server.publish("Acme.Test", f"  {EXPECTED} ")
    assert lookup("acme.test").found


def test_other_records_only_are_quoted_briefly(dns_server):
    dns_server.publish(
        "acme.test",
        "v=spf1 -all",
        "google-site-verification=" + "x" * 100,
        "third",
        "fourth",
    )
    found = lookup()
    assert found.outcome == Outcome.MISSING
    assert not found.found
    assert f"acme.test has TXT records, but not {EXPECTED}." in found.message
    assert '"v=spf1 -all"' in found.message
    assert "x" * 61 not in found.message  # long ones are cut
    assert "and 1 more" in found.message


def test_another_token_is_called_out(dns_server):
    dns_server.publish("acme.test", f"{PREFIX}an-old-token")
    found = lookup()
    assert found.outcome == Outcome.MISSING
    assert "another token" in found.message
    assert f'"{PREFIX}an-old-token"' in found.message
    assert f"replace it with {EXPECTED}" in found.message


def test_a_name_that_does_not_exist(dns_server):
    found = lookup("nowhere.test")
    assert found.outcome == Outcome.NXDOMAIN
    assert "nowhere.test does not exist in DNS (NXDOMAIN)" in found.message


def test_a_name_without_txt_records(dns_server):
    dns_server.exists("acme.test")
    found = lookup()
    assert found.outcome == Outcome.NO_ANSWER
    assert f"acme.test has no TXT record yet: publish {EXPECTED} there" in found.message


def test_a_server_that_does_not_answer_times_out_within_the_setting(silent_dns_server):
    started = time.monotonic()
    found = lookup()
    assert time.monotonic() - started < 3
    assert found.outcome == Outcome.TIMEOUT
    assert "timed out after 0.5 seconds" in found.message


@pytest.mark.parametrize(
    ("value", "servers"),
    [
        ("", []),
        ("127.0.0.1:5353", [("127.0.0.1", 5353)]),
        ("10.0.0.2", [("10.0.0.2", 53)]),
        ("[::1]:5300, 192.0.2.1", [("::1", 5300), ("192.0.2.1", 53)]),
        ("::1", [("::1", 53)]),
    ],
)
def test_the_resolver_setting_names_servers_and_ports(value, servers):
    assert [(server.address, server.port) for server in nameservers(value)] == servers


@pytest.mark.parametrize("value", ["dns.example.com", "127.0.0.1:0", "127.0.0.1:99999", "1.2.3"])
def test_a_resolver_setting_that_names_no_server_is_refused(value):
    with pytest.raises(ImproperlyConfigured):
        nameservers(value)


def test_the_system_check_names_a_bad_setting(settings):
    settings.CAUSELOOP_DNS_RESOLVER = "dns.example.com"
    settings.CAUSELOOP_DNS_TIMEOUT = 0
    assert [error.id for error in check_resolver_setting()] == ["directory.E001", "directory.E002"]
    settings.CAUSELOOP_DNS_RESOLVER = "127.0.0.1:5353"
    settings.CAUSELOOP_DNS_TIMEOUT = 5
    assert check_resolver_setting() == []

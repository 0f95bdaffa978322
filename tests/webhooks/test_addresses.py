"""Webhooks never reach inward (SSRF, §10): an endpoint URL naming a private, loopback,
link-local, shared, metadata or unspecified address is refused when it is saved, and again at
each delivery (an address allowed at save time may not be allowed later)."""

from __future__ import annotations

import pytest

from causeloop.core.errors import ValidationFailed
from organizations.roles import Role
from webhooks.addresses import MAX_URL_LENGTH, UnsafeAddress, target
from webhooks.attempts import attempt
from webhooks.models import WebhookEndpoint
from webhooks.services.endpoints import endpoint_create, endpoint_test

PUBLIC = "https://93.184.216.34/hooks"  # a public IP literal: no DNS, never connected to


@pytest.fixture
def admin(organization, make_member):
    return make_member(organization, Role.ADMIN)


def refusal(organization, admin, url: object) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as refused:
        endpoint_create(organization=organization, actor=admin, url=url)
    assert not WebhookEndpoint.objects.exists()
    assert list(refused.value.fields) == ["url"]
    return refused.value


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hooks",
        "https://127.8.9.10/hooks",
        "https://10.0.0.1/hooks",
        "https://172.16.0.1/hooks",
        "https://172.31.255.254/hooks",
        "https://192.168.1.1/hooks",
        "https://169.254.169.254/latest/meta-data/",
        "https://100.64.0.1/hooks",
        "https://[::1]/hooks",
        "https://[fd00:ec2::254]/latest/meta-data/",
        "https://[fe80::1]/hooks",
        "https://[::ffff:127.0.0.1]/hooks",
        "https://[::ffff:169.254.169.254]/hooks",
        "https://0.0.0.0/hooks",
        "https://[::]/hooks",
        "https://224.0.0.1/hooks",
        "https://localhost/hooks",
        "https://LOCALHOST./hooks",
        # Spellings of 127.0.0.1 that the resolver accepts.
        "https://2130706433/hooks",
        "https://0x7f.1/hooks",
        "https://127.1/hooks",
    ],
)
def test_a_url_reaching_inward_is_refused_at_save(organization, admin, url):
    refused = refusal(organization, admin, url)
    assert "public addresses" in refused.message


@pytest.mark.parametrize(
    "url", ["https://metadata.google.internal/computeMetadata/v1/", "https://metadata/"]
)
def test_a_cloud_metadata_host_is_refused_at_save(organization, admin, url):
    refused = refusal(organization, admin, url)
    assert "cloud metadata service" in refused.message


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://93.184.216.34/hooks", "must start with https://"),
        ("ftp://93.184.216.34/hooks", "must start with https://"),
        ("https:///hooks", "must start with https://"),
        ("https://user:secret@93.184.216.34/hooks", "user name or password"),
        ("https://user@93.184.216.34/hooks", "user name or password"),
        ("https://93.184.216.34:99999/hooks", "not a valid URL"),
        ("https://93.184.216.34:port/hooks", "not a valid URL"),
        ("https://93.184.216.34/a b", "spaces or control characters"),
        ("https://93.184.216.34/" + "a" * MAX_URL_LENGTH, "at most 2,000 characters"),
        ("https://no-such-host.invalid/hooks", "could not be resolved"),
        ("", "Enter the URL"),
        (None, "Enter the URL"),
        (["https://93.184.216.34/"], "Enter the URL"),
    ],
)
def test_a_malformed_url_is_refused_at_save_with_its_reason(organization, admin, url, reason):
    assert reason in refusal(organization, admin, url).message


def test_plain_http_to_a_private_address_is_allowed_only_where_private_addresses_are(
    settings, organization, admin
):
    settings.CAUSELOOP_WEBHOOKS_ALLOW_PRIVATE = True
    endpoint, _secret = endpoint_create(
        organization=organization, actor=admin, url="http://127.0.0.1:8000/hooks"
    )
    assert endpoint.url == "http://127.0.0.1:8000/hooks"


def test_a_public_address_is_accepted_and_targeted_as_checked(organization, admin):
    endpoint, _secret = endpoint_create(organization=organization, actor=admin, url=PUBLIC)
    assert endpoint.url == PUBLIC
    where = target("https://93.184.216.34:8443/hooks?source=causeloop")
    assert (where.address, where.host, where.port, where.path) == (
        "93.184.216.34",
        "93.184.216.34",
        8443,
        "/hooks?source=causeloop",
    )


def test_target_refuses_every_address_a_name_resolves_to_if_one_is_private(monkeypatch):
    monkeypatch.setattr(
        "webhooks.addresses.socket.getaddrinfo",
        lambda host, port, type: [
            (2, 1, 6, "", ("93.184.216.34", port)),
            (2, 1, 6, "", ("10.1.2.3", port)),
        ],
    )
    with pytest.raises(UnsafeAddress, match=r"resolves to 10\.1\.2\.3"):
        target("https://rebinding.example/hooks")


def test_an_address_allowed_at_save_is_refused_again_at_delivery(
    settings, organization, admin, receiver
):
    settings.CAUSELOOP_WEBHOOKS_ALLOW_PRIVATE = True
    endpoint, _secret = endpoint_create(organization=organization, actor=admin, url=receiver.url)
    delivery = endpoint_test(endpoint, actor=admin)
    settings.CAUSELOOP_WEBHOOKS_ALLOW_PRIVATE = False

    assert attempt(delivery.pk) == "retrying"

    assert receiver.requests == []
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.response_status) == ("pending", 1, None)
    assert "127.0.0.1 resolves to 127.0.0.1, a private or reserved address" in delivery.error


def test_plain_http_saved_while_allowed_is_not_sent_once_it_is_not(settings):
    settings.CAUSELOOP_WEBHOOKS_ALLOW_PRIVATE = True
    assert target("http://93.184.216.34/hooks").scheme == "http"
    settings.CAUSELOOP_WEBHOOKS_ALLOW_PRIVATE = False
    with pytest.raises(UnsafeAddress, match="only sent over https"):
        target("http://93.184.216.34/hooks")
    assert target("https://93.184.216.34/hooks").scheme == "https"

"""Signatures as the Standard Webhooks specification defines them, checked against the
`standardwebhooks` package (not against our own code), and a rotated secret signing beside
the new one for a day."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from organizations.roles import Role
from webhooks.attempts import attempt
from webhooks.services.endpoints import (
    PREVIOUS_SECRET_HOURS,
    endpoint_create,
    endpoint_test,
    secret_rotate,
)
from webhooks.signing import new_secret, signature, signature_header

# The example of the specification's reference libraries.
EXAMPLE_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
EXAMPLE_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
EXAMPLE_TIMESTAMP = 1614265330
EXAMPLE_BODY = b'{"test": 2432232314}'
EXAMPLE_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_signature_of_the_specifications_example():
    assert (
        signature(EXAMPLE_SECRET, msg_id=EXAMPLE_ID, timestamp=EXAMPLE_TIMESTAMP, body=EXAMPLE_BODY)
        == EXAMPLE_SIGNATURE
    )


def test_a_new_secret_is_whsec_and_the_base64_of_32_random_bytes():
    first, second = new_secret(), new_secret()
    assert first != second
    assert first.startswith("whsec_")
    assert len(base64.b64decode(first.removeprefix("whsec_"), validate=True)) == 32


def headers_for(secrets: list[str], body: bytes, at: datetime) -> dict[str, str]:
    stamp = int(at.timestamp())
    signed = signature_header(secrets, msg_id="evt_0001", timestamp=stamp, body=body)
    return {"webhook-id": "evt_0001", "webhook-timestamp": str(stamp), "webhook-signature": signed}


def test_a_header_of_two_secrets_verifies_under_either_and_not_under_a_third():
    old, new = new_secret(), new_secret()
    body = '{"type":"member.joined","data":{"name":"Zoë"}}'.encode()
    headers = headers_for([new, old], body, datetime.now(UTC))
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert Webhook(old).verify(body, headers)["data"] == {"name": "Zoë"}
    assert Webhook(new).verify(body, headers)["type"] == "member.joined"
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new).verify(body + b" ", headers)


@pytest.fixture
def admin(organization, make_member):
    return make_member(organization, Role.ADMIN)


def test_a_rotated_secret_keeps_signing_beside_the_new_one_for_a_day(
    settings, organization, admin, receiver
):
    settings.CAUSELOOP_WEBHOOKS_ALLOW_PRIVATE = True
    endpoint, old = endpoint_create(organization=organization, actor=admin, url=receiver.url)
    endpoint, new = secret_rotate(endpoint, actor=admin)
    assert new != old

    assert attempt(endpoint_test(endpoint, actor=admin).pk) == "succeeded"
    during = receiver.requests[-1]
    assert during.verified(old)["type"] == "webhook.test"
    assert during.verified(new)["type"] == "webhook.test"

    later = datetime.now(UTC) + timedelta(hours=PREVIOUS_SECRET_HOURS, seconds=1)
    with time_machine.travel(later, tick=False):
        assert attempt(endpoint_test(endpoint, actor=admin).pk) == "succeeded"
    after = receiver.requests[-1]
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    assert after.verified(new)["type"] == "webhook.test"
    with pytest.raises(WebhookVerificationError):
        after.verified(old)

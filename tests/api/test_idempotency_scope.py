"""Anonymous callers do not share one `Idempotency-Key` scope: a stranger's key is not another
stranger's, so nobody replays (or blocks) someone else's response."""

import pytest
from django.core.cache import cache

from memberships.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-and-unusual-passphrase-42"


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()


def register(client, email, address):
    return client.post(
        "/api/v1/auth/register",
        {"email": email, "password": PASSWORD},
        format="json",
        HTTP_IDEMPOTENCY_KEY="signup-1",
        REMOTE_ADDR=address,
    )


def test_anonymous_callers_from_other_addresses_do_not_share_a_key(anonymous):
    first = register(anonymous, "first@example.com", "198.51.100.1")
    assert first.status_code == 201
    other = register(anonymous, "second@example.com", "198.51.100.2")
    assert other.status_code == 201, other.content
    assert "Idempotent-Replayed" not in other
    assert other.json()["email"] == "second@example.com"
    assert User.objects.filter(email="second@example.com").exists()


def test_a_strangers_response_is_never_replayed_to_another(anonymous):
    first = register(anonymous, "first@example.com", "198.51.100.1")
    assert first.status_code == 201
    same_body = register(anonymous, "first@example.com", "198.51.100.2")
    assert "Idempotent-Replayed" not in same_body
    assert same_body.status_code == 409  # processed afresh: the email is taken now


def test_the_same_anonymous_caller_still_gets_its_replay(anonymous):
    first = register(anonymous, "first@example.com", "198.51.100.1")
    again = register(anonymous, "first@example.com", "198.51.100.1")
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()

"""Email verification is on: an address counts once its link was followed, or an invitation to
it was used, or a platform operator provisioned it — never because someone typed it first."""

import io

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from zeal import zeal_ignore

from memberships.models import User
from memberships.verification import email_is_verified
from onboarding.services.onboard import OnboardRequest, onboard_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def test_an_owner_the_operator_provisions_is_verified(db):
    result = onboard_client(
        request=OnboardRequest(org_name="Acme", org_slug="acme", owner_email="alice@acme.test")
    )
    assert email_is_verified(User.objects.get(pk=result.user_id))


def test_provisioning_never_verifies_an_address_someone_registered_first(db):
    squatter = UserFactory(email="alice@acme.test", verified_email=False)
    result = onboard_client(
        request=OnboardRequest(org_name="Acme", org_slug="acme", owner_email="alice@acme.test")
    )
    assert result.user_id == squatter.pk
    assert not email_is_verified(squatter)


def test_the_demo_people_sign_in_at_once(client):
    with zeal_ignore():
        call_command("seed_demo", stdout=io.StringIO())
        response = client.post(
            "/login/", {"login": "alice@acme.test", "password": "causeloop-demo"}
        )
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert mail.outbox == []

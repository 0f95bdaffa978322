"""Deliveries made by real worker processes (`manage.py db_worker`) to a real HTTP receiver on
loopback, on real PostgreSQL with committed rows; every request checked with the
`standardwebhooks` package's verifier."""

from __future__ import annotations

import pytest
from django.db import transaction

from memberships.services.invitations import invitation_create
from organizations.models import Event
from organizations.roles import Role
from tests.factories import OrganizationFactory, member_of
from webhooks.models import WebhookDelivery, WorkerHeartbeat
from webhooks.services.endpoints import endpoint_create

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("committed_db")]


@pytest.fixture
def allow_private(settings):
    settings.CAUSELOOP_WEBHOOKS_ALLOW_PRIVATE = True


@pytest.fixture
def subscribed(allow_private, receiver):
    """An organization, its admin, and an endpoint of it pointing at the receiver."""
    organization = OrganizationFactory()
    admin = member_of(organization, Role.ADMIN)
    endpoint, secret = endpoint_create(organization=organization, actor=admin, url=receiver.url)
    Event.objects.update(relayed=True)  # the endpoint's own creation event is not under test
    return organization, admin, endpoint, secret


class RolledBack(Exception):
    pass


def invite_and_roll_back(organization, admin) -> None:
    with transaction.atomic():
        invitation_create(
            organization=organization, actor=admin, email="gone@example.com", role="member"
        )
        raise RolledBack


def test_a_change_that_rolls_back_emits_nothing_and_one_that_commits_emits_one(
    subscribed, receiver, run_worker
):
    organization, admin, _endpoint, secret = subscribed
    before = Event.objects.count()
    with pytest.raises(RolledBack):
        invite_and_roll_back(organization, admin)
    assert Event.objects.count() == before
    invitation_create(
        organization=organization, actor=admin, email="kept@example.com", role="member"
    )
    assert Event.objects.count() == before + 1

    run_worker()

    assert len(receiver.requests) == 1
    payload = receiver.requests[0].verified(secret)
    assert payload["type"] == "member.invited"
    assert payload["data"]["details"]["email"] == "kept@example.com"
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.response_status) == ("succeeded", 1, 200)
    assert WorkerHeartbeat.objects.count() == 1  # the worker said it was alive

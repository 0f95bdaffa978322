"""Concurrent onboardings on real PostgreSQL connections: one organization, clean answers."""

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from zeal import zeal_ignore

from causeloop.core.errors import DomainError
from memberships.models import Membership, User
from onboarding.services.onboard import OnboardRequest, onboard_client
from organizations.models import AuditLog, Organization, Workspace
from tests.factories import UserFactory

pytestmark = [pytest.mark.usefixtures("committed_db"), pytest.mark.xdist_group("many_connections")]


def run_together(calls: list[Callable[[], Any]]) -> list[Any]:
    """Each call in its own thread and connection, released at the same instant; returns the
    result or the exception of each."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Any:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=30)
            with zeal_ignore():
                return call()
        except Exception as error:  # the outcome under test, whatever it is
            return error
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def onboarding(email: str, slug: str = "race") -> Callable[[], Any]:
    return lambda: onboard_client(
        request=OnboardRequest(org_name="Race Corp", org_slug=slug, owner_email=email)
    )


def test_two_owners_racing_for_one_slug_make_one_organization_and_a_clean_slug_taken():
    outcomes = run_together([onboarding("first@race.test"), onboarding("second@race.test")])

    created = [o for o in outcomes if not isinstance(o, Exception)]
    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert len(created) == 1
    assert created[0].created is True
    assert len(refused) == 1, refused
    assert isinstance(refused[0], DomainError), refused
    assert refused[0].code == "slug_taken"
    assert Organization.objects.filter(slug="race").count() == 1
    assert Workspace.objects.count() == Membership.objects.count() == AuditLog.objects.count() == 1
    winner = Membership.objects.select_related("user").get()
    assert winner.user_id == created[0].user_id


def test_the_same_onboarding_run_twice_at_once_answers_created_false_for_the_second():
    outcomes = run_together([onboarding("owner@race.test")] * 4)

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sorted(result.created for result in outcomes) == [False, False, False, True]
    assert len({result.org_id for result in outcomes}) == 1
    assert len({result.membership_id for result in outcomes}) == 1
    assert Organization.objects.count() == 1
    assert User.objects.filter(email__iexact="owner@race.test").count() == 1


@pytest.mark.parametrize("user_exists", [False, True])
def test_one_owner_onboarding_two_clients_at_once_is_one_user_with_one_active_membership(
    user_exists,
):
    if user_exists:
        UserFactory(email="shared@race.test")
    outcomes = run_together(
        [onboarding("shared@race.test", "race-a"), onboarding("SHARED@race.test", "race-b")]
    )

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert all(result.created for result in outcomes)
    assert len({result.user_id for result in outcomes}) == 1
    assert User.objects.filter(email__iexact="shared@race.test").count() == 1
    assert Membership.objects.filter(is_active=True).count() == 1
    assert Membership.objects.count() == 2


def test_one_wizard_form_sent_twice_at_once_makes_one_organization():
    """A double click on the wizard's Continue: two requests with the same form (one
    `attempt`), racing on two connections, give one organization and send both to the plan."""
    person = UserFactory(email="double@race.test")
    clients = [Client(), Client()]
    with zeal_ignore():  # signing in is setup
        for client in clients:
            client.force_login(person)
    attempt = clients[0].get("/onboarding/organization/").context["create_form"]["attempt"].value()
    form = {"action": "create", "name": "Double Click", "kind": "company", "attempt": attempt}

    def submit(client: Client) -> Callable[[], Any]:
        return lambda: client.post("/onboarding/organization/", form)

    outcomes = run_together([submit(client) for client in clients])

    assert [response.status_code for response in outcomes] == [302, 302], outcomes
    assert {response["Location"] for response in outcomes} == {"/onboarding/plan/"}
    assert list(Organization.objects.values_list("slug", flat=True)) == ["double-click"]

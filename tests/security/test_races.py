"""Races, each with real concurrent connections (threads, committed transactions) through the
application role: the services' row locks keep the invariants."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection, transaction

from causeloop.core.tenancy import enter_platform, enter_tenant, enter_user, platform_work
from memberships.models import Membership, User
from memberships.services.active import organization_switch
from memberships.services.invitations import (
    invitation_accept,
    invitation_by_token,
    invitation_create,
)
from memberships.services.invite_codes import invite_code_create, invite_code_join
from memberships.services.members import membership_change_role, membership_remove
from onboarding.services.onboard import OnboardRequest, onboard_client
from organizations.models import Organization
from organizations.roles import Role
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = [
    pytest.mark.usefixtures("as_app", "_no_zeal"),
    pytest.mark.xdist_group("many_connections"),
]


def run_concurrently(calls: list[Callable[[], Any]]) -> list[tuple[str, Any]]:
    """Run every call in its own thread and connection, released at the same instant.
    Returns ("ok", result) or ("error", exception) per call, in order."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> tuple[str, Any]:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=30)
            return "ok", call()
        except Exception as error:
            return "error", error
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def codes(outcomes: list[tuple[str, Any]]) -> Counter:
    return Counter(
        "ok" if kind == "ok" else getattr(value, "code", repr(value)) for kind, value in outcomes
    )


def in_tenant(organization: Organization, call: Callable[[], Any]) -> Callable[[], Any]:
    def run() -> Any:
        with transaction.atomic():
            enter_tenant(organization)
            return call()

    return run


def as_user(user: User, call: Callable[[], Any]) -> Callable[[], Any]:
    def run() -> Any:
        with transaction.atomic():
            enter_user(user)
            return call()

    return run


def test_many_joins_race_for_the_last_seat_and_an_invitation_keeps_its_seat():
    with platform_work():
        organization = OrganizationFactory(seats=3)
        owner = UserFactory()
        MembershipFactory(user=owner, organization=organization, role=Role.OWNER, is_active=True)
        invitee = UserFactory()
        _invitation, token = invitation_create(
            organization=organization, actor=owner, email=invitee.email, role="member"
        )
        code = invite_code_create(organization=organization, actor=owner).code
        joiners = [UserFactory() for _ in range(11)]
    calls = [
        as_user(
            invitee, lambda: invitation_accept(invitation=invitation_by_token(token), user=invitee)
        )
    ]
    calls += [as_user(u, lambda u=u: invite_code_join(code=code, user=u)) for u in joiners]
    outcomes = run_concurrently(calls)
    assert outcomes[0][0] == "ok"  # the invited person's seat was reserved for them
    assert codes(outcomes[1:]) == Counter({"ok": 1, "seat_limit_reached": 10})
    with platform_work():
        assert Membership.objects.filter(organization=organization).count() == 3


@pytest.mark.parametrize("action", ["demote", "remove"])
def test_two_owners_demoting_each_other_at_once_leave_one_owner(action):
    with platform_work():
        organization = OrganizationFactory()
        alice, bob = UserFactory(), UserFactory()
        alice_m = MembershipFactory(user=alice, organization=organization, role=Role.OWNER)
        bob_m = MembershipFactory(user=bob, organization=organization, role=Role.OWNER)

    def act(actor: User, target: Membership) -> Callable[[], Any]:
        if action == "demote":
            return in_tenant(
                organization,
                lambda: membership_change_role(
                    membership=Membership.objects.select_related("organization").get(pk=target.pk),
                    actor=actor,
                    role="admin",
                ),
            )
        return in_tenant(
            organization,
            lambda: membership_remove(
                membership=Membership.objects.select_related("organization", "user").get(
                    pk=target.pk
                ),
                actor=actor,
            ),
        )

    for _round in range(3):
        outcomes = run_concurrently([act(alice, bob_m), act(bob, alice_m)])
        assert codes(outcomes)["ok"] == 1, outcomes
        with platform_work():
            assert (
                Membership.objects.filter(organization=organization, role=Role.OWNER).count() == 1
            )
            survivor = Membership.objects.get(organization=organization, role=Role.OWNER)
            # Put the race back for the next round.
            other = alice if survivor.user_id == bob.pk else bob
            membership = Membership.objects.filter(organization=organization, user=other).first()
            if membership is None:
                membership = MembershipFactory(user=other, organization=organization)
            Membership.objects.filter(pk=membership.pk).update(role=Role.OWNER)
            alice_m = Membership.objects.get(organization=organization, user=alice)
            bob_m = Membership.objects.get(organization=organization, user=bob)


def test_the_same_invitation_accepted_twice_at_once_makes_one_membership():
    with platform_work():
        organization = OrganizationFactory()
        owner, invitee = UserFactory(), UserFactory()
        MembershipFactory(user=owner, organization=organization, role=Role.OWNER)
        _invitation, token = invitation_create(
            organization=organization, actor=owner, email=invitee.email, role="analyst"
        )
    accept = as_user(
        invitee, lambda: invitation_accept(invitation=invitation_by_token(token), user=invitee)
    )
    outcomes = run_concurrently([accept] * 4)
    assert codes(outcomes) == Counter({"ok": 1, "invitation_used": 3})
    with platform_work():
        assert Membership.objects.filter(organization=organization, user=invitee).count() == 1


def test_fifty_concurrent_onboardings_of_one_slug_make_one_organization():
    def onboard() -> Any:
        enter_platform()  # an operator's command: its own connection, the platform context
        return onboard_client(
            request=OnboardRequest(
                org_name="Race Corp", org_slug="race", owner_email="owner@race.test"
            )
        )

    outcomes = run_concurrently([onboard] * 50)
    assert codes(outcomes) == Counter({"ok": 50}), [v for k, v in outcomes if k == "error"][:3]
    results = [value for _kind, value in outcomes]
    assert sum(result.created for result in results) == 1
    assert len({result.org_id for result in results}) == 1
    with platform_work():
        assert Organization.objects.filter(slug="race").count() == 1
        assert User.objects.filter(email__iexact="owner@race.test").count() == 1
        assert Membership.objects.filter(organization__slug="race").count() == 1


def test_switching_the_active_organization_from_two_tabs_leaves_exactly_one_active():
    with platform_work():
        user = UserFactory()
        first, second = OrganizationFactory(), OrganizationFactory()
        MembershipFactory(user=user, organization=first, is_active=True)
        MembershipFactory(user=user, organization=second, is_active=False)
    for _round in range(5):
        outcomes = run_concurrently(
            [
                as_user(user, lambda: organization_switch(user=user, organization=first)),
                as_user(user, lambda: organization_switch(user=user, organization=second)),
            ]
        )
        assert codes(outcomes) == Counter({"ok": 2}), outcomes
        with platform_work():
            assert Membership.objects.filter(user=user, is_active=True).count() == 1

"""An invite code's cap under concurrency, on real PostgreSQL connections (one per thread,
committed transactions, through the application role): its uses are counted exactly."""

from __future__ import annotations

from collections import Counter

import pytest

from causeloop.core.tenancy import platform_work
from memberships.models import InviteCode, Membership
from memberships.services.invite_codes import invite_code_create, invite_code_join
from organizations.models import AuditLog
from organizations.roles import Role
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.security.test_races import as_user, codes, run_concurrently

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("as_app", "_no_zeal"),
    pytest.mark.xdist_group("many_connections"),
]


def _capped_code(*, max_uses: int, uses: int) -> tuple[InviteCode, Membership]:
    """A code of a roomy organization with `max_uses - uses` uses left, and its owner."""
    organization = OrganizationFactory(seats=100)
    owner = UserFactory()
    membership = MembershipFactory(
        user=owner, organization=organization, role=Role.OWNER, is_active=True
    )
    code = invite_code_create(
        organization=organization, actor=owner, max_uses=max_uses, role="analyst"
    )
    InviteCode.objects.filter(pk=code.pk).update(uses=uses)
    return code, membership


def test_fifty_people_joining_at_once_take_exactly_the_five_uses_left():
    with platform_work():
        code, owner = _capped_code(max_uses=7, uses=2)
        people = [UserFactory() for _ in range(50)]
    outcomes = run_concurrently(
        [as_user(p, lambda p=p: invite_code_join(code=code.code, user=p)) for p in people]
    )
    assert codes(outcomes) == Counter({"ok": 5, "invite_code_used_up": 45})
    admitted = {people[i].pk for i, (kind, _) in enumerate(outcomes) if kind == "ok"}
    with platform_work():
        members = Membership.objects.filter(organization=code.organization).exclude(pk=owner.pk)
        assert set(members.values_list("user_id", flat=True)) == admitted
        assert set(members.values_list("role", flat=True)) == {Role.ANALYST}
        refreshed = InviteCode.objects.get(pk=code.pk)
        assert (refreshed.uses, refreshed.uses_left, refreshed.state) == (7, 0, "used_up")
        joined = AuditLog.objects.filter(organization=code.organization, action="member.joined")
        assert joined.count() == 5


def test_one_person_joining_ten_times_at_once_takes_one_use():
    with platform_work():
        code, _owner = _capped_code(max_uses=5, uses=0)
        person = UserFactory()
    outcomes = run_concurrently(
        [as_user(person, lambda: invite_code_join(code=code.code, user=person))] * 10
    )
    # The code's row is held from the count to the commit, so the nine others see the
    # membership and are refused, and their count goes back with them.
    assert codes(outcomes) == Counter({"ok": 1, "already_a_member": 9})
    with platform_work():
        assert InviteCode.objects.get(pk=code.pk).uses == 1
        assert Membership.objects.filter(organization=code.organization, user=person).count() == 1

"""The rules of an invite code (SPEC §11), at the service: the role it grants (at most its
creator's, never owner), its cap on uses and its email domain; a refused join changes
nothing. Exactly-counted uses under concurrency: tests/security/test_invite_code_races.py."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from zeal import zeal_ignore

from causeloop.core.errors import Conflict, Forbidden, Gone, ValidationFailed
from memberships.models import InviteCode, Membership
from memberships.services.invite_codes import (
    invite_code_create,
    invite_code_deactivate,
    invite_code_join,
)
from organizations.models import AuditLog
from organizations.roles import Role
from organizations.services.api_keys import api_key_provision
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _state(organization):
    """What a refused creation or join must leave as it was."""
    return (
        sorted(InviteCode.objects.filter(organization=organization).values_list("code", "uses")),
        sorted(Membership.objects.filter(organization=organization).values_list("user_id", "role")),
        AuditLog.objects.filter(organization=organization).count(),
    )


@pytest.mark.parametrize("role", [Role.MEMBER, Role.ANALYST, Role.ADMIN])
def test_whoever_joins_gets_the_role_the_code_grants(organization, admin_user, role):
    code = invite_code_create(organization=organization, actor=admin_user, role=role)
    person = UserFactory()
    membership = invite_code_join(code=code.code, user=person)
    assert (membership.user, membership.role) == (person, role)
    joined = AuditLog.objects.get(organization=organization, action="member.joined")
    assert joined.details == {"email": person.email, "role": role.value, "via": "invite_code"}
    created = AuditLog.objects.get(organization=organization, action="invite_code.created")
    assert created.details == {
        "role": role.value,
        "max_uses": None,
        "email_domain": "",
        "expires_in_days": 7,
    }


def test_a_code_grants_member_unless_told(organization, owner):
    code = invite_code_create(organization=organization, actor=owner)
    assert (code.role, code.max_uses, code.email_domain) == (Role.MEMBER, None, "")
    assert code.uses_left is None


@pytest.mark.parametrize("creator", ["owner", "admin", "api_key"])
def test_owners_admins_and_keys_may_grant_admin_but_nobody_grants_owner(
    organization, owner, admin_user, creator
):
    actor = {
        "owner": owner,
        "admin": admin_user,
        "api_key": api_key_provision(organization=organization, name="ci")[0],
    }[creator]
    granted = invite_code_create(organization=organization, actor=actor, role="admin")
    assert granted.role == Role.ADMIN
    before = _state(organization)
    with pytest.raises(ValidationFailed) as refused:
        invite_code_create(organization=organization, actor=actor, role="owner")
    assert refused.value.code == "invalid_role"
    assert "role" in refused.value.fields
    assert _state(organization) == before


@pytest.mark.parametrize("role", [Role.ANALYST, Role.MEMBER])
def test_analysts_and_members_create_no_code(organization, make_member, role):
    person = make_member(organization, role)
    with pytest.raises(Forbidden):
        invite_code_create(organization=organization, actor=person, role="member")
    assert not InviteCode.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("max_uses", 0),
        ("max_uses", -1),
        ("max_uses", "5"),
        ("max_uses", True),
        ("max_uses", 1.5),
        ("max_uses", 100_001),
        ("email_domain", "not a domain"),
        ("email_domain", "10.0.0.1"),
        ("email_domain", "localhost"),
        ("email_domain", 5),
        ("role", "boss"),
        ("expires_in_days", 0),
        ("expires_in_days", 91),
    ],
)
def test_bad_rules_are_refused_naming_the_field_and_create_nothing(
    organization, admin_user, field, value
):
    before = _state(organization)
    with pytest.raises(ValidationFailed) as refused:
        invite_code_create(organization=organization, actor=admin_user, **{field: value})
    assert field in refused.value.fields, refused.value.fields
    assert _state(organization) == before


def test_the_email_domain_is_matched_whatever_its_case(organization, admin_user):
    code = invite_code_create(organization=organization, actor=admin_user, email_domain="@Acme.COM")
    assert code.email_domain == "acme.com"
    person = UserFactory(email="Bea@ACME.com")
    assert invite_code_join(code=code.code, user=person).user == person


def test_an_international_domain_matches_in_either_spelling(organization, admin_user):
    code = invite_code_create(organization=organization, actor=admin_user, email_domain="Bücher.de")
    assert code.email_domain == "xn--bcher-kva.de"
    person = UserFactory(email="anna@BÜCHER.de")
    assert invite_code_join(code=code.code, user=person).user == person


@pytest.mark.parametrize(
    "email", ["eve@evil.test", "eve@sub.acme.com", "eve@acme.com.evil.test", "eve@notacme.com"]
)
def test_an_address_on_another_domain_is_refused_and_nothing_changes(
    organization, admin_user, email
):
    code = invite_code_create(
        organization=organization, actor=admin_user, email_domain="acme.com", max_uses=3
    )
    before = _state(organization)
    with pytest.raises(Forbidden) as refused:
        invite_code_join(code=code.code, user=UserFactory(email=email))
    assert refused.value.code == "invite_code_domain_mismatch"
    assert refused.value.fields == {"code": ["This invite code is only for addresses at acme.com."]}
    assert _state(organization) == before


def test_a_capped_code_lets_in_exactly_its_uses_then_refuses(organization, admin_user):
    code = invite_code_create(organization=organization, actor=admin_user, max_uses=2)
    with zeal_ignore():  # two people joining, one after the other: no N+1
        for _ in range(2):
            invite_code_join(code=code.code, user=UserFactory())
    code.refresh_from_db()
    assert (code.uses, code.uses_left, code.state) == (2, 0, InviteCode.State.USED_UP)
    before = _state(organization)
    with pytest.raises(Gone) as refused:
        invite_code_join(code=code.code, user=UserFactory())
    assert refused.value.code == "invite_code_used_up"
    assert "code" in refused.value.fields
    assert _state(organization) == before


def test_a_join_refused_afterwards_takes_no_use(organization, admin_user):
    code = invite_code_create(organization=organization, actor=admin_user, max_uses=5)
    person = UserFactory()
    invite_code_join(code=code.code, user=person)
    before = _state(organization)
    with pytest.raises(Conflict) as refused:
        invite_code_join(code=code.code, user=person)
    assert refused.value.code == "already_a_member"
    code.refresh_from_db()
    assert (code.uses, code.uses_left) == (1, 4)
    assert _state(organization) == before


def test_a_join_refused_for_want_of_a_seat_takes_no_use(organization, admin_user):
    organization.seats = Membership.objects.filter(organization=organization).count()
    organization.save(update_fields=["seats"])
    code = invite_code_create(organization=organization, actor=admin_user, max_uses=5)
    with pytest.raises(Conflict) as refused:
        invite_code_join(code=code.code, user=UserFactory())
    assert refused.value.code == "seat_limit_reached"
    code.refresh_from_db()
    assert code.uses == 0


def test_the_state_says_why_nobody_can_join(organization, admin_user):
    code = invite_code_create(
        organization=organization, actor=admin_user, max_uses=1, expires_in_days=1
    )
    assert code.state == InviteCode.State.ACTIVE
    assert code.is_usable
    with time_machine.travel(timezone.now() + timedelta(days=1, seconds=1)):
        assert code.state == InviteCode.State.EXPIRED
        assert not code.is_usable
        with pytest.raises(Gone) as refused:
            invite_code_join(code=code.code, user=UserFactory())
        assert refused.value.code == "invite_code_expired"
    invite_code_join(code=code.code, user=UserFactory())
    code.refresh_from_db()
    assert code.state == InviteCode.State.USED_UP
    assert not code.is_usable
    invite_code_deactivate(invite_code=code, actor=admin_user)
    assert code.state == InviteCode.State.DEACTIVATED

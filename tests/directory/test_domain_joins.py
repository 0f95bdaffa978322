"""People coming in by a verified domain: the wizard's suggestions (verified addresses only,
verified domains only, active organizations only, never one's own), accepting one, joining
automatically, and an admin adding a verified domain's people directly — or inviting everyone
else, as before."""

from __future__ import annotations

import pytest

from causeloop.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from directory.models import Domain
from directory.selectors.domains import domain_suggestions_for
from directory.services.domain_joins import domain_auto_join, domain_join, member_add_or_invite
from memberships.models import Invitation, Membership
from organizations.models import AuditLog, Organization
from organizations.roles import Role
from tests.directory.domain_data import make_domain
from tests.factories import ApiKeyFactory, OrganizationFactory, UserFactory, member_of

pytestmark = pytest.mark.django_db

AUTO = Domain.Policy.AUTO_JOIN


@pytest.fixture
def acme():
    organization = OrganizationFactory(name="Acme", slug="acme")
    member_of(organization, Role.OWNER)
    return organization


def joined_rows(organization):
    return list(
        AuditLog.objects.filter(organization=organization, action="member.joined").values_list(
            "details", flat=True
        )
    )


# --- suggestions ----------------------------------------------------------------------------


@pytest.mark.parametrize("policy", ["suggest", "auto_join"])
def test_a_verified_address_on_a_verified_domain_is_offered_the_organization(acme, policy):
    domain = make_domain(acme, "acme.test", verified=True, policy=policy)
    person = UserFactory(email="Dana@ACME.test")
    assert domain_suggestions_for(person) == [domain]
    assert domain_suggestions_for(person)[0].organization == acme


def test_nothing_is_offered_without_a_verified_address(acme):
    make_domain(acme, "acme.test", verified=True)
    assert domain_suggestions_for(UserFactory(email="dana@acme.test", verified_email=False)) == []


def test_nothing_is_offered_by_a_pending_domain_or_another_domain(acme):
    make_domain(acme, "acme.test")
    make_domain(OrganizationFactory(), "other.test", verified=True)
    assert domain_suggestions_for(UserFactory(email="dana@acme.test")) == []
    assert domain_suggestions_for(UserFactory(email="dana@sub.other.test")) == []


@pytest.mark.parametrize("status", [Organization.Status.SUSPENDED, Organization.Status.PENDING])
def test_nothing_is_offered_by_an_organization_that_takes_nobody_in(acme, status):
    make_domain(acme, "acme.test", verified=True)
    Organization.objects.filter(pk=acme.pk).update(status=status)
    assert domain_suggestions_for(UserFactory(email="dana@acme.test")) == []


def test_members_are_not_offered_their_own_organization(acme):
    make_domain(acme, "acme.test", verified=True)
    assert domain_suggestions_for(member_of(acme, email="dana@acme.test")) == []


# --- accepting a suggestion -----------------------------------------------------------------


def test_accepting_the_suggestion_joins_as_a_member_and_makes_it_active(acme):
    make_domain(acme, "acme.test", verified=True)
    person = UserFactory(email="dana@acme.test")
    membership = domain_join(user=person, organization=acme)
    assert (membership.role, membership.is_active, membership.user) == ("member", True, person)
    assert joined_rows(acme) == [
        {"email": "dana@acme.test", "role": "member", "via": "domain_policy"}
    ]
    assert AuditLog.objects.get(action="member.joined").actor_user == person


def test_an_organization_not_offered_cannot_be_joined(acme):
    make_domain(acme, "acme.test")  # pending
    with pytest.raises(NotFound):
        domain_join(user=UserFactory(email="dana@acme.test"), organization=acme)
    with pytest.raises(NotFound):
        domain_join(user=UserFactory(email="eve@elsewhere.test"), organization=acme)
    assert Membership.objects.filter(organization=acme).count() == 1


def test_accepting_twice_says_already_a_member(acme):
    make_domain(acme, "acme.test", verified=True)
    person = UserFactory(email="dana@acme.test")
    domain_join(user=person, organization=acme)
    with pytest.raises(Conflict) as refused:
        domain_join(user=person, organization=acme)
    assert refused.value.code == "already_a_member"


def test_accepting_into_a_full_organization_is_refused(acme):
    make_domain(acme, "acme.test", verified=True)
    Organization.objects.filter(pk=acme.pk).update(seats=1)
    with pytest.raises(Conflict) as refused:
        domain_join(user=UserFactory(email="dana@acme.test"), organization=acme)
    assert refused.value.code == "seat_limit_reached"
    assert Membership.objects.filter(organization=acme).count() == 1


# --- joining automatically ------------------------------------------------------------------


def test_auto_join_makes_a_verified_person_a_member(acme):
    make_domain(acme, "acme.test", verified=True, policy=AUTO)
    person = UserFactory(email="dana@acme.test")
    (membership,) = domain_auto_join(user=person)
    assert (membership.organization, membership.role, membership.is_active) == (
        acme,
        "member",
        True,
    )
    assert joined_rows(acme)[0]["via"] == "domain_policy"
    assert domain_auto_join(user=person) == []  # a member already: nothing more


@pytest.mark.parametrize("case", ["suggest", "unverified", "pending_domain", "suspended"])
def test_auto_join_does_nothing_unless_every_condition_holds(acme, case):
    verified = case != "pending_domain"
    make_domain(
        acme, "acme.test", verified=verified, policy="suggest" if case == "suggest" else AUTO
    )
    if case == "suspended":
        Organization.objects.filter(pk=acme.pk).update(status=Organization.Status.SUSPENDED)
    person = UserFactory(email="dana@acme.test", verified_email=case != "unverified")
    assert domain_auto_join(user=person) == []
    assert not Membership.objects.filter(user=person).exists()


def test_auto_join_skips_a_full_organization_quietly(acme):
    make_domain(acme, "acme.test", verified=True, policy=AUTO)
    Organization.objects.filter(pk=acme.pk).update(seats=1)
    person = UserFactory(email="dana@acme.test")
    assert domain_auto_join(user=person) == []
    assert not Membership.objects.filter(user=person).exists()
    assert joined_rows(acme) == []


# --- adding a domain's people directly ------------------------------------------------------


@pytest.mark.parametrize("role", [Role.ADMIN, Role.OWNER])
def test_an_admin_adds_a_verified_person_on_a_verified_domain_directly(acme, role):
    make_domain(acme, "acme.test", verified=True)
    admin = member_of(acme, role)
    person = UserFactory(email="dana@acme.test")
    outcome = member_add_or_invite(
        organization=acme, actor=admin, email="DANA@acme.test", role="analyst"
    )
    assert outcome.invitation is None
    membership = outcome.membership
    assert (membership.user, membership.role, membership.invited_by) == (person, "analyst", admin)
    assert membership.is_active  # their first organization
    assert joined_rows(acme) == [{"email": "dana@acme.test", "role": "analyst", "via": "domain"}]
    assert not Invitation.objects.exists()


def test_an_api_key_adds_directly_too(acme):
    make_domain(acme, "acme.test", verified=True)
    key = ApiKeyFactory(organization=acme)
    UserFactory(email="dana@acme.test")
    outcome = member_add_or_invite(
        organization=acme, actor=key, email="dana@acme.test", role="admin"
    )
    assert (outcome.membership.role, outcome.membership.invited_by) == ("admin", None)
    assert AuditLog.objects.get(action="member.joined").actor_api_key == key


def test_a_direct_add_leaves_the_persons_active_organization_alone(acme):
    make_domain(acme, "acme.test", verified=True)
    person = member_of(OrganizationFactory(), email="dana@acme.test")
    outcome = member_add_or_invite(
        organization=acme, actor=ApiKeyFactory(organization=acme), email=person.email, role="member"
    )
    assert not outcome.membership.is_active


@pytest.mark.parametrize(
    "case", ["unverified_address", "pending_domain", "another_organizations_domain", "no_account"]
)
def test_everyone_else_gets_an_invitation(acme, case):
    name = "theirs.test" if case == "another_organizations_domain" else "acme.test"
    make_domain(acme, "acme.test", verified=case != "pending_domain")
    make_domain(OrganizationFactory(), "theirs.test", verified=True)
    if case != "no_account":
        UserFactory(email=f"dana@{name}", verified_email=case != "unverified_address")
    admin = member_of(acme, Role.ADMIN)
    outcome = member_add_or_invite(
        organization=acme, actor=admin, email=f"dana@{name}", role="member"
    )
    assert outcome.membership is None
    assert outcome.invitation.email == f"dana@{name}"
    assert outcome.token
    assert not Membership.objects.filter(organization=acme, user__email=f"dana@{name}").exists()


@pytest.mark.parametrize("role", [Role.MEMBER, Role.ANALYST])
def test_members_and_analysts_may_not_add_anyone(acme, role):
    make_domain(acme, "acme.test", verified=True)
    UserFactory(email="dana@acme.test")
    with pytest.raises(Forbidden):
        member_add_or_invite(
            organization=acme, actor=member_of(acme, role), email="dana@acme.test", role="member"
        )
    assert not Membership.objects.filter(user__email="dana@acme.test").exists()
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("caller", [Role.ADMIN, Role.OWNER])
def test_nobody_is_added_or_invited_as_owner(acme, caller):
    make_domain(acme, "acme.test", verified=True)
    UserFactory(email="dana@acme.test")
    with pytest.raises(ValidationFailed) as refused:
        member_add_or_invite(
            organization=acme, actor=member_of(acme, caller), email="dana@acme.test", role="owner"
        )
    assert refused.value.code == "invalid_role"
    assert not Membership.objects.filter(user__email="dana@acme.test").exists()


def test_a_member_already_is_said_so(acme):
    make_domain(acme, "acme.test", verified=True)
    person = member_of(acme, email="dana@acme.test")
    with pytest.raises(Conflict) as refused:
        member_add_or_invite(
            organization=acme, actor=member_of(acme, Role.ADMIN), email=person.email, role="admin"
        )
    assert refused.value.code == "already_a_member"
    assert Membership.objects.get(user=person).role == "member"


def test_a_direct_add_needs_a_free_seat(acme):
    make_domain(acme, "acme.test", verified=True)
    admin = member_of(acme, Role.ADMIN)
    Organization.objects.filter(pk=acme.pk).update(seats=2)
    UserFactory(email="dana@acme.test")
    with pytest.raises(Conflict) as refused:
        member_add_or_invite(organization=acme, actor=admin, email="dana@acme.test", role="member")
    assert refused.value.code == "seat_limit_reached"


def test_a_suspended_organization_adds_nobody_by_its_domain(acme):
    make_domain(acme, "acme.test", verified=True)
    admin = member_of(acme, Role.ADMIN)
    Organization.objects.filter(pk=acme.pk).update(status=Organization.Status.SUSPENDED)
    acme.refresh_from_db()
    UserFactory(email="dana@acme.test")
    with pytest.raises(Forbidden) as refused:
        member_add_or_invite(organization=acme, actor=admin, email="dana@acme.test", role="member")
    assert refused.value.code == "organization_suspended"

"""Every way into an organization goes through `membership_join`; one seat count for all."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient
from zeal import zeal_ignore

from causeloop.core.errors import Conflict, ValidationFailed
from memberships.models import Membership
from memberships.selectors import seats_used
from memberships.services.invitations import invitation_accept, invitation_create
from memberships.services.invite_codes import invite_code_create, invite_code_join
from memberships.services.members import membership_add, ownership_transfer
from memberships.services.tokens import personal_token_create
from organizations.models import AuditLog, Organization
from organizations.roles import Role
from tests.factories import InvitationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _set_seats(organization, seats):
    Organization.objects.filter(pk=organization.pk).update(seats=seats)


def _join_by_invitation(organization, owner, person, *, seats):
    with zeal_ignore():  # setting up: the invitation is issued in an earlier request
        invitation, _token = invitation_create(
            organization=organization, actor=owner, email=person.email, role="analyst"
        )
    _set_seats(organization, seats)
    return invitation_accept(invitation=invitation, user=person)


def _join_by_code(organization, owner, person, *, seats):
    invite_code = invite_code_create(organization=organization, actor=owner)
    _set_seats(organization, seats)
    return invite_code_join(code=invite_code.code, user=person)


def _join_directly(organization, owner, person, *, seats):
    _set_seats(organization, seats)
    return membership_add(organization=organization, actor=None, email=person.email, role="member")


WAYS_IN = {
    "invitation": _join_by_invitation,
    "invite_code": _join_by_code,
    "direct": _join_directly,
}


@pytest.mark.parametrize("way", WAYS_IN)
def test_every_way_in_refuses_a_person_beyond_the_seat_limit(organization, owner, way):
    person = UserFactory()
    with pytest.raises(Conflict) as error:
        WAYS_IN[way](organization, owner, person, seats=1)  # the owner holds the only seat
    assert error.value.code == "seat_limit_reached"
    assert not Membership.objects.filter(user=person).exists()


@pytest.mark.parametrize("way", WAYS_IN)
def test_every_way_in_makes_an_active_member_with_one_audit_row(organization, owner, way):
    person = UserFactory()
    joined = WAYS_IN[way](organization, owner, person, seats=2)  # exactly one seat left
    assert Membership.objects.filter(user=person, organization=organization).count() == 1
    row = AuditLog.objects.get(organization=organization, action="member.joined")
    assert (row.details["email"], row.details["via"]) == (person.email, way)
    # Someone with no organization open lands in the one they joined, whichever way.
    assert Membership.objects.get(pk=joined.pk).is_active


@pytest.mark.parametrize("way", ["invite_code", "direct"])  # a member is never invited
def test_a_member_cannot_join_again(organization, owner, make_member, way):
    person = make_member(organization, Role.MEMBER)
    with pytest.raises(Conflict) as error:
        WAYS_IN[way](organization, owner, person, seats=10)
    assert error.value.code == "already_a_member"


def test_a_platform_addition_keeps_the_organization_the_person_has_open(
    organization, other_organization, make_member
):
    person = make_member(other_organization, Role.MEMBER)
    joined = membership_add(
        organization=organization, actor=None, email=person.email, role="member"
    )
    assert not Membership.objects.get(pk=joined.pk).is_active
    assert Membership.objects.get(user=person, organization=other_organization).is_active


def test_seats_count_members_and_unexpired_pending_invitations_only(organization, owner):
    InvitationFactory(organization=organization)
    InvitationFactory(organization=organization, expires_at=timezone.now() - timedelta(days=1))
    InvitationFactory(organization=organization, status="revoked")
    assert seats_used(organization) == 2  # the owner and the one live invitation


def test_the_dashboard_and_the_api_show_the_same_seat_count(client, organization, owner):
    InvitationFactory(organization=organization)
    InvitationFactory(organization=organization, expires_at=timezone.now() - timedelta(days=1))
    _token, secret = personal_token_create(user=owner)
    api_client = APIClient()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    with zeal_ignore():
        client.force_login(owner)
    dashboard = client.get("/")
    api = api_client.get(f"/api/v1/organizations/{organization.pk}")
    assert dashboard.context["seats_used"] == api.json()["seats_used"] == 2


def test_ownership_moves_only_when_the_slug_is_typed_to_confirm(organization, owner, member):
    membership = Membership.objects.get(user=member, organization=organization)
    with pytest.raises(ValidationFailed) as error:
        ownership_transfer(
            organization=organization, actor=owner, membership=membership, confirm_slug="nope"
        )
    assert error.value.code == "confirmation_mismatch"
    assert "confirm" in error.value.fields
    assert Membership.objects.get(pk=membership.pk).role == Role.MEMBER
    assert Membership.objects.get(user=owner, organization=organization).role == Role.OWNER
    ownership_transfer(
        organization=organization,
        actor=owner,
        membership=membership,
        confirm_slug=organization.slug,
    )
    assert Membership.objects.get(pk=membership.pk).role == Role.OWNER

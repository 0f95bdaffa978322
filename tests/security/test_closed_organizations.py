"""A suspended or pending organization accepts no joins: not by invite code, invitation,
the wizard or the invitation page (SPEC §8)."""

import pytest
from zeal import zeal_ignore

from memberships.models import Membership
from memberships.services.invitations import invitation_create
from memberships.services.invite_codes import invite_code_create
from organizations.models import Organization
from tests.api.conftest import error_code, token_client
from tests.factories import (
    UserFactory,
    organization_with_owner,
)

pytestmark = pytest.mark.django_db


# --- no joins into a suspended or pending organization --------------------------------------


@pytest.mark.parametrize(
    ("status", "code"),
    [("suspended", "organization_suspended"), ("pending", "organization_pending")],
)
def test_an_invite_code_does_not_join_a_closed_organization(status, code):
    organization, owner = organization_with_owner()
    invite_code = invite_code_create(organization=organization, actor=owner)
    Organization.objects.filter(pk=organization.pk).update(status=status)
    joiner = UserFactory()
    response = token_client(joiner).post(f"/api/v1/invite-codes/{invite_code.code}/join")
    assert (response.status_code, error_code(response)) == (403, code)
    assert not Membership.objects.filter(user=joiner).exists()
    invite_code.refresh_from_db()
    assert invite_code.uses == 0


@pytest.mark.parametrize(
    ("status", "code"),
    [("suspended", "organization_suspended"), ("pending", "organization_pending")],
)
def test_an_invitation_is_not_accepted_into_a_closed_organization(status, code):
    organization, owner = organization_with_owner()
    invitation, token = invitation_create(
        organization=organization, actor=owner, email="invited@example.com", role="member"
    )
    Organization.objects.filter(pk=organization.pk).update(status=status)
    invited = UserFactory(email="invited@example.com")
    response = token_client(invited).post(f"/api/v1/invitations/{token}/accept")
    assert (response.status_code, error_code(response)) == (403, code)
    assert not Membership.objects.filter(user=invited).exists()
    invitation.refresh_from_db()
    assert invitation.status == "pending"


def test_the_wizard_does_not_join_a_suspended_organization(client):
    organization, owner = organization_with_owner()
    invite_code = invite_code_create(organization=organization, actor=owner)
    Organization.objects.filter(pk=organization.pk).update(status="suspended")
    joiner = UserFactory()
    with zeal_ignore():  # signing in is setup, not the request under test
        client.force_login(joiner)
    response = client.post(
        "/onboarding/organization/", {"action": "join", "code": invite_code.code}
    )
    assert response.status_code == 400
    assert "suspended" in response.content.decode()
    assert not Membership.objects.filter(user=joiner).exists()


def test_the_invitation_page_does_not_join_a_suspended_organization(client):
    organization, owner = organization_with_owner()
    _invitation, token = invitation_create(
        organization=organization, actor=owner, email="page@example.com", role="member"
    )
    Organization.objects.filter(pk=organization.pk).update(status="suspended")
    invited = UserFactory(email="page@example.com")
    with zeal_ignore():
        client.force_login(invited)
    response = client.post(f"/invitations/{token}/", {"action": "accept"})
    assert response.status_code == 403
    assert "suspended" in response.content.decode()
    assert not Membership.objects.filter(user=invited).exists()


def test_the_wizard_says_an_invite_code_is_not_valid_instead_of_failing(client):
    client.raise_request_exception = False
    with zeal_ignore():
        client.force_login(UserFactory())
    response = client.post("/onboarding/organization/", {"action": "join", "code": "ZZZZZZZZ"})
    assert response.status_code == 400
    assert "This invite code is not valid." in response.content.decode()

"""Invitations and invite codes through the API."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import timezone

from memberships.models import Invitation, InviteCode, Membership
from organizations.roles import Role
from tests.api.conftest import error_code
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()


def _invite(client, organization, email="new@example.com", role="analyst"):
    return client.post(
        f"/api/v1/organizations/{organization.pk}/invitations",
        {"email": email, "role": role},
        format="json",
    )


def _token(response):
    return response.json()["accept_url"].rstrip("/").rsplit("/", 1)[1]


def test_an_invitation_is_mailed_with_a_single_use_link(
    as_user, organization, admin_user, django_capture_on_commit_callbacks
):
    # The mail leaves when the request's transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(as_user(admin_user), organization)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id"].startswith("inv_")
    assert body["state"] == "pending"
    assert len(mail.outbox) == 1
    assert body["accept_url"] in mail.outbox[0].body
    invitation = Invitation.objects.get()
    assert _token(response) not in (invitation.token_hash, invitation.pk)


@pytest.mark.parametrize(("role", "expected"), [(Role.ANALYST, 403), (Role.MEMBER, 403)])
def test_only_admins_invite(as_user, organization, make_member, role, expected):
    response = _invite(as_user(make_member(organization, role)), organization)
    assert response.status_code == expected
    assert not Invitation.objects.exists()


def test_the_fixed_codes(as_user, organization, admin_user, make_member):
    client = as_user(admin_user)
    member = make_member(organization, Role.MEMBER)
    assert _invite(client, organization, role="owner").status_code == 400
    already = _invite(client, organization, email=member.email)
    assert (already.status_code, error_code(already)) == (409, "already_a_member")
    assert _invite(client, organization).status_code == 201
    twice = _invite(client, organization, email="NEW@example.com")
    assert (twice.status_code, error_code(twice)) == (409, "already_invited")


def test_the_seat_limit_counts_pending_invitations(as_user, organization, admin_user):
    organization.seats = 2
    organization.save()
    client = as_user(admin_user)
    assert _invite(client, organization, email="one@example.com").status_code == 201
    full = _invite(client, organization, email="two@example.com")
    assert (full.status_code, error_code(full)) == (409, "seat_limit_reached")
    assert Invitation.objects.count() == 1


def test_accepting_joins_the_organization_once(as_user, organization, admin_user):
    token = _token(_invite(as_user(admin_user), organization))
    invitee = UserFactory(email="new@example.com")
    public = as_user(invitee).get(f"/api/v1/invitations/{token}")
    assert public.json()["organization"] == organization.name
    assert public.json()["role"] == "analyst"
    assert public.json()["state"] == "pending"
    client = as_user(invitee)
    accepted = client.post(f"/api/v1/invitations/{token}/accept")
    assert accepted.status_code == 200, accepted.content
    assert Membership.objects.get(user=invitee).role == Role.ANALYST
    again = client.post(f"/api/v1/invitations/{token}/accept")
    assert (again.status_code, error_code(again)) == (410, "invitation_used")


def test_accepting_by_id_works_for_the_invited_person_only(as_user, organization, admin_user):
    invitation_id = _invite(as_user(admin_user), organization).json()["id"]
    stranger = UserFactory(email="stranger@example.com")
    assert as_user(stranger).post(f"/api/v1/invitations/{invitation_id}/accept").status_code == 404
    invitee = UserFactory(email="new@example.com")
    assert as_user(invitee).post(f"/api/v1/invitations/{invitation_id}/accept").status_code == 200


def test_another_email_cannot_accept(as_user, organization, admin_user):
    token = _token(_invite(as_user(admin_user), organization))
    other = UserFactory(email="other@example.com")
    response = as_user(other).post(f"/api/v1/invitations/{token}/accept")
    assert (response.status_code, error_code(response)) == (403, "invitation_email_mismatch")
    assert not Membership.objects.filter(user=other).exists()


def test_expired_and_revoked_invitations_are_gone(as_user, organization, admin_user):
    client = as_user(admin_user)
    expired = _token(_invite(client, organization, email="late@example.com"))
    Invitation.objects.filter(email="late@example.com").update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    revoked_response = _invite(client, organization, email="gone@example.com")
    revoked = _token(revoked_response)
    invitation_id = revoked_response.json()["id"]
    url = f"/api/v1/organizations/{organization.pk}/invitations/{invitation_id}"
    assert client.delete(url).status_code == 204
    for token, email, code in [
        (expired, "late@example.com", "invitation_expired"),
        (revoked, "gone@example.com", "invitation_revoked"),
    ]:
        response = as_user(UserFactory(email=email)).post(f"/api/v1/invitations/{token}/accept")
        assert (response.status_code, error_code(response)) == (410, code)
    assert Membership.objects.filter(organization=organization).count() == 1


def test_resend_issues_a_new_link(
    as_user, organization, admin_user, django_capture_on_commit_callbacks
):
    client = as_user(admin_user)
    first = _invite(client, organization)
    old_token = _token(first)
    url = f"/api/v1/organizations/{organization.pk}/invitations/{first.json()['id']}/resend"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 200
    assert len(mail.outbox) == 1
    assert as_user(admin_user).get(f"/api/v1/invitations/{old_token}").status_code == 404


def test_the_pending_list_is_for_admins(as_user, organization, admin_user, make_member):
    _invite(as_user(admin_user), organization)
    url = f"/api/v1/organizations/{organization.pk}/invitations"
    assert as_user(admin_user).get(url).json()["count"] == 1
    assert as_user(make_member(organization, Role.ANALYST)).get(url).status_code == 403


def test_invitations_into_the_active_organization_or_the_keys(
    as_user, as_key, organization, admin_user
):
    response = as_user(admin_user).post(
        "/api/v1/invitations", {"email": "a@example.com", "role": "member"}, format="json"
    )
    assert response.status_code == 201
    response = as_key(organization).post(
        "/api/v1/invitations", {"email": "b@example.com"}, format="json"
    )
    assert response.status_code == 201
    assert set(Invitation.objects.values_list("organization_id", flat=True)) == {organization.pk}


def test_invite_codes_let_people_join_as_members(as_user, organization, admin_user, make_member):
    url = f"/api/v1/organizations/{organization.pk}/invite-codes"
    created = as_user(admin_user).post(url, {"expires_in_days": 3}, format="json")
    assert created.status_code == 201
    code = created.json()["code"]
    joiner = UserFactory()
    client = as_user(joiner)
    joined = client.post(f"/api/v1/invite-codes/{code.lower()}/join")
    assert joined.status_code == 201, joined.content
    assert Membership.objects.get(user=joiner).role == Role.MEMBER
    twice = client.post(f"/api/v1/invite-codes/{code}/join")
    assert (twice.status_code, error_code(twice)) == (409, "already_a_member")
    assert as_user(make_member(organization, Role.ANALYST)).get(url).status_code == 403
    code_id = created.json()["id"]
    assert as_user(admin_user).delete(f"{url}/{code_id}").status_code == 204
    assert not InviteCode.objects.get(pk=code_id).is_active
    late = as_user(UserFactory()).post(f"/api/v1/invite-codes/{code}/join")
    assert late.status_code == 404


def test_accept_is_rate_limited(as_user, organization):
    client = as_user(UserFactory())
    statuses = [
        client.post("/api/v1/invitations/not-a-real-token-at-all/accept").status_code
        for _ in range(31)
    ]
    assert statuses[-1] == 429
    assert set(statuses[:-1]) == {404}


def test_the_role_check_answers_before_the_business_rules(as_user, organization, make_member):
    member = make_member(organization, Role.MEMBER)
    analyst = as_user(make_member(organization, Role.ANALYST))
    # Inviting an existing member would be 409 already_a_member; the analyst may not invite.
    response = _invite(analyst, organization, email=member.email)
    assert (response.status_code, error_code(response)) == (403, "permission_denied")

"""Invitation mails are rate limited per sender's address, per organization, per invited email
(across every organization) and per invitation resent, on the API and the members page; a send
refused for another reason uses up nothing."""

from __future__ import annotations

import pytest
from django.core import mail

from memberships.models import Invitation
from organizations.roles import Role
from tests.api.conftest import token_client
from tests.factories import OrganizationFactory, member_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_no_zeal", "_fresh_rate_limits")]


def _error_code(response) -> str:
    return response.json()["error"]["code"]


def _resend(client, organization, invitation_id):
    return client.post(
        f"/api/v1/organizations/{organization.pk}/invitations/{invitation_id}/resend"
    )


def test_one_invitation_is_resent_at_most_three_times_an_hour(
    django_capture_on_commit_callbacks,
):
    organization = OrganizationFactory()
    admin = token_client(member_of(organization, Role.ADMIN))
    with django_capture_on_commit_callbacks(execute=True):
        created = admin.post(
            f"/api/v1/organizations/{organization.pk}/invitations",
            {"email": "victim@example.com"},
            format="json",
        )
    invitation_id = created.json()["id"]
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            assert _resend(admin, organization, invitation_id).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        refused = _resend(admin, organization, invitation_id)
    assert refused.status_code == 429
    assert _error_code(refused) == "rate_limited"
    assert int(refused["Retry-After"]) > 3000
    assert len(mail.outbox) == 4


def test_the_members_page_refuses_a_fourth_resend_with_a_message(
    client, django_capture_on_commit_callbacks
):
    organization = OrganizationFactory()
    admin = member_of(organization, Role.ADMIN)
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/members/", {"action": "invite", "email": "v@example.com", "role": "member"}
        )
    invitation = Invitation.objects.get(organization=organization)
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/admin/members/", {"action": "resend", "invitation": invitation.pk})
    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(
            "/admin/members/", {"action": "resend", "invitation": invitation.pk}, follow=True
        )
    assert b"Too many attempts" in refused.content
    assert len(mail.outbox) == 4


def test_an_address_gets_at_most_ten_invitation_mails_an_hour_from_all_organizations(
    django_capture_on_commit_callbacks,
):
    sent = 0
    refusals = []
    for _ in range(3):
        organization = OrganizationFactory()
        admin = token_client(member_of(organization, Role.ADMIN))
        with django_capture_on_commit_callbacks(execute=True):
            created = admin.post(
                f"/api/v1/organizations/{organization.pk}/invitations",
                {"email": "victim@example.com"},
                format="json",
            )
        attempts = [created] + (
            [_resend(admin, organization, created.json()["id"]) for _ in range(3)]
            if created.status_code == 201
            else []
        )
        sent += sum(attempt.status_code in (200, 201) for attempt in attempts)
        refusals += [_error_code(a) for a in attempts if a.status_code == 429]
    assert sent == 10
    assert refusals == ["rate_limited"] * 2


def test_an_organization_sends_at_most_fifty_invitations_an_hour_from_any_address():
    organization = OrganizationFactory(seats=500)
    admin = token_client(member_of(organization, Role.ADMIN))
    url = f"/api/v1/organizations/{organization.pk}/invitations"
    statuses = [
        admin.post(
            url, {"email": f"n{n}@example.com"}, format="json", REMOTE_ADDR=f"203.0.113.{n % 5}"
        ).status_code
        for n in range(51)
    ]
    assert statuses == [201] * 50 + [429]


def test_one_address_sends_at_most_twenty_invitations_an_hour_across_organizations():
    statuses = []
    for _ in range(3):
        organization = OrganizationFactory(seats=500)
        admin = token_client(member_of(organization, Role.ADMIN))
        statuses += [
            admin.post(
                f"/api/v1/organizations/{organization.pk}/invitations",
                {"email": f"n{n}@example.com"},
                format="json",
            ).status_code
            for n in range(7)
        ]
    assert statuses == [201] * 20 + [429]


def test_refused_invitations_do_not_use_up_the_allowance(make_member):
    organization = OrganizationFactory(seats=500)
    admin = token_client(member_of(organization, Role.ADMIN))
    member = make_member(organization, Role.MEMBER)
    url = f"/api/v1/organizations/{organization.pk}/invitations"
    for _ in range(25):
        conflict = admin.post(url, {"email": member.email}, format="json")
        assert _error_code(conflict) == "already_a_member"
    forbidden = token_client(member).post(url, {"email": "x@example.com"}, format="json")
    assert forbidden.status_code == 403
    assert admin.post(url, {"email": "new@example.com"}, format="json").status_code == 201

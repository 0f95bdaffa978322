"""Invitations say how far their email got (queued, sent, failed and why), and Resend tries
again. The immediate task backend runs the mail task when the request's transaction commits."""

from __future__ import annotations

import pytest
from django.core import mail
from zeal import zeal_ignore

from memberships.models import Invitation
from memberships.services.invitations import invitation_create, invitation_resend
from organizations.roles import Role
from tests.api.conftest import token_client
from tests.mail.conftest import BASE_URL, dead_mailers, links_in, parts_of

pytestmark = pytest.mark.django_db

LOCMEM = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


@pytest.fixture
def admin_client(client, admin_user):
    with zeal_ignore():  # logging in is test setup, not the request under test
        client.force_login(admin_user)
    return client


def invite(client, email="new@example.com"):
    return client.post("/admin/members/", {"action": "invite", "email": email, "role": "member"})


def test_an_invitation_is_queued_then_sent_with_a_text_and_an_html_part(
    settings, admin_client, django_capture_on_commit_callbacks
):
    settings.CAUSELOOP_BASE_URL = BASE_URL
    with django_capture_on_commit_callbacks() as queued:
        response = invite(admin_client)
    assert response.status_code == 302
    page = admin_client.get(response["Location"]).content.decode()
    assert "Invitation queued for new@example.com." in page
    assert "Invitation sent" not in page
    assert "Email queued" in page
    invitation = Invitation.objects.get()
    assert (invitation.delivery, invitation.delivery_at) == ("queued", None)
    assert mail.outbox == []

    for task in queued:  # the background: the task runs
        task()

    invitation.refresh_from_db()
    assert invitation.delivery == "sent"
    assert invitation.delivery_at is not None
    assert invitation.delivery_error == ""
    (message,) = mail.outbox
    assert message.to == ["new@example.com"]
    assert "Causeloop" in message.subject
    parts = parts_of(message)
    assert set(parts) == {"text/plain", "text/html"}
    for body in parts.values():
        links = links_in(body)
        assert any(link.startswith(f"{BASE_URL}/invitations/") for link in links)
        assert all(link.startswith(BASE_URL) for link in links), links
    assert "<html" in parts["text/html"]
    assert "Email sent" in admin_client.get("/admin/members/").content.decode()


def test_a_dead_mail_server_marks_the_invitation_failed_and_resend_tries_again(
    settings, admin_client, dead_smtp_url, django_capture_on_commit_callbacks
):
    settings.MAILERS = dead_mailers(dead_smtp_url)
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(admin_client)
    assert response.status_code == 302  # the page answers; the failure is recorded
    invitation = Invitation.objects.get()
    assert invitation.delivery == "failed"
    assert invitation.delivery_error == "the mail server could not be reached"
    assert invitation.delivery_at is not None
    page = admin_client.get("/admin/members/").content.decode()
    assert "Email failed" in page
    assert "The mail server could not be reached" in page
    assert "Resend to try again" in page
    assert 'name="action" value="resend"' in page

    settings.MAILERS = LOCMEM  # the mail server is back
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/members/", {"action": "resend", "invitation": invitation.pk}
        )
    assert response.status_code == 302
    assert "Invitation queued again" in admin_client.get(response["Location"]).content.decode()
    invitation.refresh_from_db()
    assert (invitation.delivery, invitation.delivery_error) == ("sent", "")
    assert len(mail.outbox) == 1


def test_only_the_newest_link_is_mailed_when_a_resend_overtakes_the_first_message(
    organization, admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as first:
        invitation, old_token = invitation_create(
            organization=organization, actor=admin_user, email="late@example.com", role="member"
        )
    with django_capture_on_commit_callbacks() as second:
        _invitation, new_token = invitation_resend(invitation=invitation, actor=admin_user)

    for task in first:
        task()
    assert mail.outbox == []  # its link no longer works: nothing to send
    invitation.refresh_from_db()
    assert invitation.delivery == "queued"

    for task in second:
        task()
    (message,) = mail.outbox
    assert new_token in message.body
    assert old_token not in message.body
    invitation.refresh_from_db()
    assert invitation.delivery == "sent"


def test_the_api_lists_each_invitations_delivery(
    settings, organization, admin_user, dead_smtp_url, django_capture_on_commit_callbacks
):
    settings.MAILERS = dead_mailers(dead_smtp_url)
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(
            organization=organization, actor=admin_user, email="x@example.com", role="member"
        )
    response = token_client(admin_user).get(f"/api/v1/organizations/{organization.pk}/invitations")
    assert response.status_code == 200
    (listed,) = response.json()["results"]
    assert listed["delivery"] == "failed"
    assert listed["delivery_error"] == "the mail server could not be reached"
    assert listed["delivery_at"]


def test_another_organizations_admin_sees_none_of_its_invitations_delivery(
    organization, other_organization, make_member, client, django_capture_on_commit_callbacks
):
    admin = make_member(organization, Role.ADMIN)
    outsider = make_member(other_organization, Role.ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(
            organization=organization, actor=admin, email="secret@example.com", role="member"
        )
    with zeal_ignore():
        client.force_login(outsider)
    page = client.get("/admin/members/").content.decode()
    assert "secret@example.com" not in page
    assert "Email sent" not in page
    api = token_client(outsider).get(f"/api/v1/organizations/{organization.pk}/invitations")
    assert api.status_code == 404

"""The mail leaves from a real background worker (`manage.py db_worker`, the database task
backend) to a real SMTP server on loopback: a slow or dead mail server slows and breaks no
request, the invitation says what happened, and what arrives is readable."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult
from zeal import zeal_ignore

from memberships.models import Invitation
from organizations.roles import Role
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.mail.conftest import BASE_URL, DATABASE_TASKS, links_in, parts_of

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("committed_db")]


@pytest.fixture
def people():
    organization = OrganizationFactory(name="Acme Corp")
    admin = UserFactory(email="admin@acme.test")
    MembershipFactory(user=admin, organization=organization, role=Role.ADMIN, is_active=True)
    UserFactory(email="forgetful@acme.test")
    browser = Client()
    with zeal_ignore():
        browser.force_login(admin)
    return browser


def timed(send):
    started = time.monotonic()
    response = send()
    return response, time.monotonic() - started


def invite(browser, email="new@acme.test"):
    return browser.post("/admin/members/", {"action": "invite", "email": email, "role": "member"})


def test_a_slow_mail_server_slows_neither_an_invitation_nor_a_password_reset(
    settings, smtp_server, run_worker, people
):
    slow = smtp_server(delay=5)
    settings.TASKS = DATABASE_TASKS
    settings.MAILERS = slow.mailers()
    settings.CAUSELOOP_BASE_URL = BASE_URL
    # Each form once first, so the timings below are of queueing, not of a cold process (its
    # first request of a kind takes a second or two on a busy machine, mail or no mail).
    assert invite(people, "first@acme.test").status_code == 302
    assert Client().post("/password/reset/", {"email": "who@acme.test"}).status_code == 302

    invited, invite_seconds = timed(lambda: invite(people))
    reset, reset_seconds = timed(
        lambda: Client().post("/password/reset/", {"email": "forgetful@acme.test"})
    )

    assert (invited.status_code, reset.status_code) == (302, 302)
    assert invite_seconds < 1, invite_seconds
    assert reset_seconds < 1, reset_seconds
    assert slow.messages == []  # only queued
    assert DBTaskResult.objects.count() == 4
    assert "Email queued" in people.get("/admin/members/").content.decode()

    # The worker sends them (to a server that answers at once, to keep the test short).
    server = smtp_server()
    worker = run_worker(server.url)
    assert worker.returncode == 0, worker.stderr[-2000:]
    received = {message["To"]: message for message in server.messages}
    assert set(received) == {
        "first@acme.test",
        "new@acme.test",
        "who@acme.test",
        "forgetful@acme.test",
    }
    assert received["new@acme.test"]["Subject"] == "You are invited to join Acme Corp on Causeloop"
    assert received["forgetful@acme.test"]["Subject"] == "Reset your Causeloop password"
    for message in received.values():
        parts = parts_of(message)
        assert set(parts) == {"text/plain", "text/html"}
        for body in parts.values():
            links = links_in(body)
            assert links
            assert all(link.startswith(BASE_URL) for link in links), links
    assert set(Invitation.objects.values_list("delivery", flat=True)) == {"sent"}
    assert "Email sent" in people.get("/admin/members/").content.decode()


def test_a_dead_mail_server_fails_the_invitation_visibly_and_resend_delivers_later(
    settings, smtp_server, dead_smtp_url, run_worker, people
):
    settings.TASKS = DATABASE_TASKS
    assert invite(people).status_code == 302
    reset = Client().post("/password/reset/", {"email": "forgetful@acme.test"})
    assert reset.status_code == 302
    assert Client().get(reset["Location"]).status_code == 200

    worker = run_worker(dead_smtp_url)
    assert worker.returncode == 0, worker.stderr[-2000:]
    invitation = Invitation.objects.get()
    assert invitation.delivery == "failed"
    assert invitation.delivery_error == "the mail server could not be reached"
    page = people.get("/admin/members/").content.decode()
    assert "Email failed" in page
    assert "Resend to try again" in page

    resent = people.post("/admin/members/", {"action": "resend", "invitation": invitation.pk})
    assert resent.status_code == 302
    invitation.refresh_from_db()
    assert invitation.delivery == "queued"

    server = smtp_server()
    assert run_worker(server.url).returncode == 0
    (message,) = server.messages
    assert message["To"] == "new@acme.test"
    invitation.refresh_from_db()
    assert (invitation.delivery, invitation.delivery_error) == ("sent", "")

"""The setup wizard and the invitation page."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import timezone
from zeal import zeal_ignore

from memberships.models import Invitation, Membership, User
from memberships.services.invitations import invitation_create
from memberships.services.invite_codes import invite_code_create
from memberships.verification import email_is_verified
from organizations.models import ApiKey, Organization
from organizations.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_wizard_creates_one_organization_with_a_plan_and_a_key_shown_once(client, newcomer):
    # Signing up was the first screen; the wizard has three more, and no welcome screen.
    assert client.get("/onboarding/")["Location"] == "/onboarding/organization/"
    form = client.get("/onboarding/organization/")
    assert b"Create an organization" in form.content
    assert b"Or join your team" in form.content
    attempt = form.context["create_form"]["attempt"].value()
    create = {"action": "create", "name": "Nia Labs", "kind": "company", "attempt": attempt}
    response = client.post("/onboarding/organization/", create)
    assert response["Location"] == "/onboarding/plan/"
    # A second submit (double click, refresh, back button) creates nothing new.
    again = client.post("/onboarding/organization/", create)
    assert again["Location"] == "/onboarding/plan/"
    assert Organization.objects.count() == 1
    organization = Organization.objects.get()
    assert organization.slug == "nia-labs"
    plan_page = client.get("/onboarding/plan/")
    assert b"14-day trial" in plan_page.content
    assert b"Growth" in plan_page.content
    assert (
        client.post("/onboarding/plan/", {"plan": "growth"})["Location"] == "/onboarding/success/"
    )
    client.post("/onboarding/plan/", {"plan": "growth"})
    assert ApiKey.objects.filter(organization=organization).count() == 1
    success = client.get("/onboarding/success/")
    assert success.context["shown_once"]["secret"].startswith("nia-labs_api_")
    assert client.get("/onboarding/success/").context["shown_once"] is None
    organization.refresh_from_db()
    assert organization.plan_id == "growth"
    assert Membership.objects.get(user=newcomer).role == Role.OWNER


def test_coming_back_resumes_the_wizard_at_the_plan(client, newcomer):
    client.post(
        "/onboarding/organization/", {"action": "create", "name": "Nia Labs", "kind": "company"}
    )
    assert client.get("/onboarding/")["Location"] == "/onboarding/plan/"
    # The organization step is there to correct it, not a bounce back to the plan.
    step = client.get("/onboarding/organization/")
    assert step.status_code == 200
    assert step.context["editing"].name == "Nia Labs"


def test_a_taken_slug_shows_next_to_the_field_with_a_free_one(client, newcomer, organization):
    response = client.post(
        "/onboarding/organization/",
        {"action": "create", "name": "Copy", "slug": organization.slug, "kind": "company"},
    )
    assert response.status_code == 400
    assert response.context["create_form"].errors["slug"] == [
        f'The address "{organization.slug}" is taken — try "{organization.slug}-2".'
    ]
    assert Organization.objects.count() == 1


def test_the_slug_check_suggests_and_checks(client, newcomer, organization):
    suggestion = client.get("/onboarding/slug-check/", {"name": "Acme Corp"}).json()
    assert suggestion["slug"] == "acme-corp"
    assert suggestion["available"]
    taken = client.get("/onboarding/slug-check/", {"slug": organization.slug}).json()
    assert taken["available"] is False
    assert (
        taken["message"]
        == f'The address "{organization.slug}" is taken — try "{organization.slug}-2".'
    )
    reserved = client.get("/onboarding/slug-check/", {"slug": "admin"}).json()
    assert reserved["available"] is False


def test_an_invite_code_joins_an_organization(client, newcomer, organization, owner):
    code = invite_code_create(organization=organization, actor=owner)
    response = client.post("/onboarding/organization/", {"action": "join", "code": code.code})
    assert response["Location"] == "/"
    assert Membership.objects.get(user=newcomer).organization == organization
    twice = client.post("/onboarding/organization/", {"action": "join", "code": code.code})
    assert twice.status_code == 400
    assert "already a member" in str(twice.context["join_form"].errors)


def test_approval_makes_new_organizations_wait(client, newcomer, settings):
    settings.CAUSELOOP_REQUIRE_ORG_APPROVAL = True
    client.post(
        "/onboarding/organization/", {"action": "create", "name": "Wait Co", "kind": "company"}
    )
    client.post("/onboarding/plan/", {"plan": "free"})
    assert b"awaiting approval" in client.get("/onboarding/success/").content
    assert b"awaiting approval" in client.get("/").content
    assert not ApiKey.objects.exists()


def test_personal_organizations_skip_the_setup_step(client, newcomer, settings):
    settings.CAUSELOOP_PERSONAL_ORG = True
    response = client.get("/")
    assert response.status_code == 200
    assert Organization.objects.get().name == "Nia New's organization"


# --- invitations ----------------------------------------------------------------------------


@pytest.fixture
def invitation(organization, owner):
    invitation, token = invitation_create(
        organization=organization, actor=owner, email="invitee@example.com", role="analyst"
    )
    return invitation, token


def test_the_invitation_page_shows_the_details_to_anyone(client, organization, invitation):
    _invitation, token = invitation
    page = client.get(f"/invitations/{token}/")
    assert page.status_code == 200
    for text in (organization.name, "invitee@example.com", "Analyst", "Expires"):
        assert text.encode() in page.content


def test_a_visitor_signs_up_with_the_invited_email_and_lands_in_the_organization(
    client, organization, invitation
):
    cache.clear()
    _invitation, token = invitation
    response = client.post(f"/invitations/{token}/", {"action": "signup"})
    assert response["Location"] == "/signup/"
    form = client.get("/signup/").context["form"]
    assert form.fields["email"].initial == "invitee@example.com"
    assert form.fields["email"].widget.attrs["readonly"]
    other = client.post(
        "/signup/", {"name": "I", "email": "other@example.com", "password1": "a-long-passphrase-42"}
    )
    assert other.status_code == 200
    assert not User.objects.filter(email="other@example.com")
    done = client.post(
        "/signup/",
        {"name": "Ina Vitee", "email": "invitee@example.com", "password1": "a-long-passphrase-42"},
    )
    assert done.status_code == 302
    user = User.objects.get(email="invitee@example.com")
    membership = Membership.objects.get(user=user)
    assert membership.organization == organization
    assert membership.role == Role.ANALYST
    assert membership.is_active
    assert client.get("/").status_code == 200
    # The emailed link proved the address: it is verified, and no other link was sent.
    assert email_is_verified(user)
    assert not any("/confirm-email/" in message.body for message in mail.outbox)


def test_the_invited_person_accepts_when_signed_in(client, organization, invitation):
    _invitation, token = invitation
    invitee = UserFactory(email="Invitee@Example.com")
    with zeal_ignore():
        client.force_login(invitee)
    assert b"Accept and join" in client.get(f"/invitations/{token}/").content
    assert client.post(f"/invitations/{token}/", {"action": "accept"}).status_code == 302
    assert Membership.objects.filter(user=invitee, organization=organization).exists()


def test_someone_else_cannot_accept(client, organization, invitation):
    _invitation, token = invitation
    with zeal_ignore():
        client.force_login(UserFactory(email="intruder@example.com"))
    assert b"but you are signed in as" in client.get(f"/invitations/{token}/").content
    response = client.post(f"/invitations/{token}/", {"action": "accept"})
    assert response.status_code == 403
    assert Membership.objects.filter(organization=organization).count() == 1


@pytest.mark.parametrize("state", ["expired", "revoked", "accepted"])
def test_unusable_invitations_say_why_and_change_nothing(client, organization, invitation, state):
    record, token = invitation
    if state == "expired":
        Invitation.objects.filter(pk=record.pk).update(expires_at=timezone.now() - timedelta(1))
    else:
        Invitation.objects.filter(pk=record.pk).update(status=state)
    invitee = UserFactory(email="invitee@example.com")
    with zeal_ignore():
        client.force_login(invitee)
    page = client.get(f"/invitations/{token}/")
    assert {"expired": b"has expired", "revoked": b"was revoked", "accepted": b"already used"}[
        state
    ] in page.content
    response = client.post(f"/invitations/{token}/", {"action": "accept"})
    assert response.status_code == 410
    assert not Membership.objects.filter(user=invitee).exists()


def test_an_unknown_token_is_404(client):
    assert client.get("/invitations/not-a-real-token-at-all/").status_code == 404

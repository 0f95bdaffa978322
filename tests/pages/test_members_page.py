"""`/admin/members/` for every role: everyone sees who belongs (SPEC §2), only the buttons the
rules allow are shown (the last owner is told why instead), and what is refused stays refused."""

import re

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile

from memberships.links import invitation_url
from memberships.models import Invitation, InviteCode, Membership
from memberships.services.invitations import invitation_by_token, invitation_create
from organizations.models import Organization
from organizations.roles import Role
from tests.factories import (
    InvitationFactory,
    InviteCodeFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
)
from tests.hostile import png_bytes

pytestmark = pytest.mark.django_db


def main(response) -> str:
    return response.content.decode().split('<main id="main"', 1)[1]


@pytest.fixture
def team(organization):
    """An owner, an admin, an analyst and a member of `organization`, plus a pending invitation
    and an invite code."""
    people = {}
    for role in (Role.OWNER, Role.ADMIN, Role.ANALYST, Role.MEMBER):
        user = UserFactory(email=f"{role.value}@example.com", name=f"{role.label} Person")
        MembershipFactory(user=user, organization=organization, role=role, is_active=True)
        people[role] = user
    InvitationFactory(organization=organization, email="pending@example.com")
    InviteCodeFactory(organization=organization)
    return people


@pytest.mark.parametrize("role", [Role.ANALYST, Role.MEMBER])
def test_analysts_and_members_see_the_members_read_only(signed_in, organization, team, role):
    response = signed_in(team[role]).get("/admin/members/")
    assert response.status_code == 200
    page = main(response)
    for user in team.values():
        assert user.email in page
    assert '<select name="role" id="role-' not in page  # no role to change (only the filter)
    assert "Remove" not in page
    assert "Send invitation" not in page
    assert "Invite codes" not in page
    assert "pending@example.com" not in page
    # Their own Leave, with its confirmation words.
    assert page.count(">Leave<") == 1
    assert f"You lose access to {organization.name} at once." in page
    # The Members link is in everyone's navigation.
    assert 'href="/admin/members/" aria-current="page">Members</a>' in response.content.decode()


def test_admins_manage_everyone_but_owners(signed_in, organization, team):
    page = main(signed_in(team[Role.ADMIN]).get("/admin/members/"))
    assert page.count("data-confirm-options") == 3  # admin (themselves), analyst, member
    assert f'id="role-{_membership(team[Role.OWNER]).pk}"' not in page
    assert 'Remove<span class="visually-hidden"> owner@example.com' not in page
    for role in (Role.ANALYST, Role.MEMBER):
        assert f'Remove<span class="visually-hidden"> {role.value}@example.com' in page
    assert "Send invitation" in page
    assert "pending@example.com" in page


def test_the_last_owner_sees_no_leave_or_change_and_is_told_why(signed_in, organization, team):
    response = signed_in(team[Role.OWNER]).get("/admin/members/")
    page = main(response)
    own_row = page.split("owner@example.com", 1)[1].split("</tr>", 1)[0]
    assert "<select" not in own_row
    assert "Leave" not in own_row
    assert "You are the only owner: to leave or step down, transfer ownership first." in own_row
    assert 'href="/admin/organization/#transfer-h"' in own_row
    # Every other row is theirs to change and remove.
    assert page.count("data-confirm-options") == 3
    assert page.count(">Remove<") == 3


def test_with_a_second_owner_each_owner_may_leave_or_step_down(signed_in, organization, team):
    MembershipFactory(organization=organization, role=Role.OWNER)
    page = main(signed_in(team[Role.OWNER]).get("/admin/members/"))
    own_row = page.split("owner@example.com", 1)[1].split("</tr>", 1)[0]
    assert f'id="role-{_membership(team[Role.OWNER]).pk}"' in page
    assert ">Leave<" in own_row
    assert "Make yourself an admin?" in page  # the question stepping down asks


def test_the_last_owner_cannot_leave_even_by_posting(signed_in, organization, team):
    membership = _membership(team[Role.OWNER])
    client = signed_in(team[Role.OWNER])
    response = client.post(
        "/admin/members/",
        {"action": "remove", "membership": membership.pk, "confirm": "yes"},
        follow=True,
    )
    assert "at least one owner" in response.content.decode()
    assert Membership.objects.filter(pk=membership.pk, role=Role.OWNER).exists()


@pytest.mark.parametrize(
    "data",
    [
        {"action": "invite", "email": "x@example.com", "role": "member"},
        {"action": "change_role", "membership": "{member}", "role": "analyst"},
        {"action": "remove", "membership": "{member}", "confirm": "yes"},
        {"action": "revoke", "invitation": "{invitation}", "confirm": "yes"},
        {"action": "resend", "invitation": "{invitation}"},
        {"action": "create_code", "expires_in_days": "7"},
        {"action": "deactivate_code", "code": "{code}", "confirm": "yes"},
    ],
    ids=lambda data: data["action"],
)
@pytest.mark.parametrize("role", [Role.ANALYST, Role.MEMBER])
def test_analysts_and_members_are_refused_every_management_action(
    signed_in, organization, team, role, data
):
    ids = {
        "member": _membership(team[Role.MEMBER] if role != Role.MEMBER else team[Role.ANALYST]).pk,
        "invitation": Invitation.objects.get(organization=organization).pk,
        "code": InviteCode.objects.get(organization=organization).pk,
    }
    before = _state(organization)
    response = signed_in(team[role]).post(
        "/admin/members/", {k: v.format(**ids) for k, v in data.items()}
    )
    assert response.status_code == 403
    assert _state(organization) == before


def test_a_member_leaves_after_confirming(signed_in, organization, team):
    membership = _membership(team[Role.MEMBER])
    client = signed_in(team[Role.MEMBER])
    asked = client.post("/admin/members/", {"action": "remove", "membership": membership.pk})
    assert asked.status_code == 200
    assert Membership.objects.filter(pk=membership.pk).exists()
    left = client.post(
        "/admin/members/", {"action": "remove", "membership": membership.pk, "confirm": "yes"}
    )
    assert left["Location"] == "/"
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_another_tenants_member_cannot_see_these_members(signed_in, organization, team):
    stranger_org = OrganizationFactory()
    stranger = UserFactory()
    MembershipFactory(user=stranger, organization=stranger_org, is_active=True)
    page = signed_in(stranger).get("/admin/members/").content.decode()
    assert "owner@example.com" not in page
    membership = _membership(team[Role.MEMBER])
    response = signed_in(stranger).post(
        "/admin/members/", {"action": "remove", "membership": membership.pk, "confirm": "yes"}
    )
    assert response.status_code == 404
    assert Membership.objects.filter(pk=membership.pk).exists()


# --- inviting -------------------------------------------------------------------------------


def test_the_invitation_link_is_shown_once_beside_invitation_sent(
    signed_in, organization, team, django_capture_on_commit_callbacks
):
    client = signed_in(team[Role.ADMIN])
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            "/admin/members/",
            {"action": "invite", "email": "new@example.com", "role": "analyst"},
            follow=True,
        )
    page = sent.content.decode()
    assert "Invitation queued for new@example.com." in page
    link = sent.context["shown_once"]["secret"]
    assert link.startswith(invitation_url("TOKEN").removesuffix("TOKEN/"))
    assert f'value="{link}"' in page
    assert ">Copy invitation link</button>" in page
    assert "no-store" in sent["Cache-Control"]
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert invitation_by_token(token).email == "new@example.com"
    assert link not in client.get("/admin/members/").content.decode()


def test_resending_shows_the_new_link_once(signed_in, organization, team):
    invitation = Invitation.objects.get(organization=organization)
    client = signed_in(team[Role.ADMIN])
    resent = client.post(
        "/admin/members/", {"action": "resend", "invitation": invitation.pk}, follow=True
    )
    token = resent.context["shown_once"]["secret"].rstrip("/").rsplit("/", 1)[1]
    assert invitation_by_token(token).pk == invitation.pk


def test_invite_codes_have_a_join_link_that_fills_the_wizard_in(signed_in, organization, team):
    code = InviteCode.objects.get(organization=organization)
    page = signed_in(team[Role.ADMIN]).get("/admin/members/").content.decode()
    link = re.search(r'value="(http[^"]+/onboarding/organization/\?code=[^"]+)"', page).group(1)
    assert link.endswith(f"?code={code.code}#join")
    assert f'data-copy="#join-{code.pk}"' in page
    newcomer = UserFactory()
    wizard = signed_in(newcomer).get(f"/onboarding/organization/?code={code.code}")
    assert wizard.context["join_form"]["code"].value() == code.code
    assert f'value="{code.code}"' in wizard.content.decode()


# --- the public invitation page ---------------------------------------------------------------


def test_the_invitation_page_wears_its_organizations_logo_and_colours(client, organization):
    Organization.objects.filter(pk=organization.pk).update(primary_color="#7c2d12")
    organization.refresh_from_db()
    organization.logo.save("acme.png", ContentFile(png_bytes()), save=True)
    _invitation, token = _invite(organization)
    page = client.get(f"/invitations/{token}/").content.decode()
    assert organization.logo.url in page
    header = page.split('<header class="site-header">', 1)[1].split("</header>", 1)[0]
    assert organization.name in header
    assert f"/invitations/{token}/brand.css" in page
    css = client.get(f"/invitations/{token}/brand.css")
    assert css["Content-Type"].startswith("text/css")
    assert "--brand-primary: #7c2d12" in css.content.decode()


def test_an_unknown_invitations_stylesheet_is_404(client):
    assert client.get("/invitations/not-a-real-token-at-all/brand.css").status_code == 404


def test_joining_from_an_invitation_at_sign_up_says_welcome_once(client, organization):
    cache.clear()
    _invitation, token = _invite(organization, email="joiner@example.com")
    client.post(f"/invitations/{token}/", {"action": "signup"})
    landed = client.post(
        "/signup/",
        {"name": "Jo", "email": "joiner@example.com", "password1": "a-long-passphrase-42"},
        follow=True,
    )
    said = [str(message) for message in landed.context["messages"]]
    assert said == [f"Welcome to {organization.name}."]


def _invite(organization, email="invitee@example.com"):
    owner = UserFactory()
    MembershipFactory(user=owner, organization=organization, role=Role.OWNER)
    return invitation_create(organization=organization, actor=owner, email=email, role="member")


def _membership(user):
    return Membership.objects.get(user=user)


def _state(organization):
    return (
        sorted(Membership.objects.filter(organization=organization).values_list("role", "user")),
        sorted(Invitation.objects.filter(organization=organization).values_list("status", "id")),
        sorted(InviteCode.objects.filter(organization=organization).values_list("is_active", "id")),
    )

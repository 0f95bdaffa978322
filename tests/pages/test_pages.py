"""The server-rendered pages: roles, tenants, forms and the wizard, through Django's client."""

import pytest
from django.core import mail

from memberships.models import Invitation, InviteCode, Membership
from organizations.models import ApiKey, Organization, Template
from organizations.roles import Role
from tests.factories import (
    ApiKeyFactory,
    InvitationFactory,
    InviteCodeFactory,
    MembershipFactory,
    OrganizationFactory,
    TemplateFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ADMIN_PAGES = [
    "/admin/organization/",
    "/admin/branding/",
    "/admin/api-keys/",
    "/admin/data/",
]
MEMBER_PAGES = ["/", "/admin/templates/", "/admin/members/", "/admin/integrations/"]


@pytest.mark.parametrize("path", ADMIN_PAGES + MEMBER_PAGES)
@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN])
def test_admins_see_every_page(signed_in, organization, make_member, path, role):
    response = signed_in(make_member(organization, role)).get(path)
    assert response.status_code == 200


@pytest.mark.parametrize("path", ADMIN_PAGES)
@pytest.mark.parametrize("role", [Role.ANALYST, Role.MEMBER])
def test_lower_roles_get_the_403_page_on_admin_pages(
    signed_in, organization, make_member, path, role
):
    response = signed_in(make_member(organization, role)).get(path)
    assert response.status_code == 403
    assert b"You do not have access" in response.content


@pytest.mark.parametrize("path", MEMBER_PAGES)
def test_members_see_home_templates_and_members(signed_in, organization, make_member, path):
    assert signed_in(make_member(organization, Role.MEMBER)).get(path).status_code == 200


def test_anonymous_visitors_are_sent_to_log_in(client):
    for path in ADMIN_PAGES + MEMBER_PAGES:
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_someone_without_an_organization_goes_to_the_wizard(signed_in):
    response = signed_in(UserFactory()).get("/")
    assert response.status_code == 302
    assert response["Location"] == "/onboarding/"


def test_the_switcher_changes_the_active_organization(signed_in, organization, other_organization):
    user = UserFactory()
    MembershipFactory(user=user, organization=organization, is_active=True)
    MembershipFactory(user=user, organization=other_organization, role=Role.ADMIN)
    client = signed_in(user)
    assert organization.name.encode() in client.get("/").content
    response = client.post("/switch/", {"organization": other_organization.pk})
    assert response.status_code == 302
    assert Membership.objects.get(user=user, is_active=True).organization == other_organization
    assert client.get("/admin/members/").status_code == 200  # admin there


def test_switching_to_an_organization_that_is_not_mine_is_404(signed_in, organization, owner):
    stranger_org = OrganizationFactory()
    response = signed_in(owner).post("/switch/", {"organization": stranger_org.pk})
    assert response.status_code == 404
    assert Membership.objects.get(user=owner, is_active=True).organization == organization


def test_a_suspended_organization_shows_the_suspended_page(signed_in, organization, owner):
    Organization.objects.filter(pk=organization.pk).update(status="suspended")
    response = signed_in(owner).get("/admin/templates/")
    assert response.status_code == 403
    assert b"is suspended" in response.content


# --- another tenant's objects through forged posts ------------------------------------------


@pytest.fixture
def other_tenant():
    organization = OrganizationFactory()
    owner = UserFactory()
    return {
        "org": organization,
        "membership": MembershipFactory(organization=organization, user=owner, role=Role.OWNER),
        "invitation": InvitationFactory(organization=organization),
        "code": InviteCodeFactory(organization=organization),
        "key": ApiKeyFactory(organization=organization),
        "template": TemplateFactory(organization=organization),
    }


@pytest.mark.parametrize(
    ("path", "data"),
    [
        (
            "/admin/members/",
            {"action": "change_role", "membership": "{membership}", "role": "member"},
        ),
        ("/admin/members/", {"action": "remove", "membership": "{membership}"}),
        ("/admin/members/", {"action": "resend", "invitation": "{invitation}"}),
        ("/admin/members/", {"action": "revoke", "invitation": "{invitation}"}),
        ("/admin/members/", {"action": "deactivate_code", "code": "{code}"}),
        ("/admin/api-keys/", {"action": "revoke", "key": "{key}"}),
        ("/admin/api-keys/", {"action": "rotate", "key": "{key}"}),
        (
            "/admin/api-keys/",
            {"action": "rotate", "key": "{key}", "grace_period_hours": "24", "confirm": "yes"},
        ),
        ("/admin/templates/{template}/", {"action": "delete"}),
        ("/admin/templates/{template}/", {"name": "Defaced", "kind": "prompt"}),
    ],
)
@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN, Role.ANALYST, Role.MEMBER])
def test_another_tenants_objects_are_404_whatever_the_role(
    signed_in, organization, make_member, other_tenant, path, data, role
):
    ids = {name: getattr(value, "pk", None) for name, value in other_tenant.items()}
    client = signed_in(make_member(organization, role))
    before = _snapshot(other_tenant["org"])
    response = client.post(path.format(**ids), {k: v.format(**ids) for k, v in data.items()})
    assert response.status_code in (403, 404)
    if role >= Role.ADMIN or "templates" in path:
        assert response.status_code == 404
    assert _snapshot(other_tenant["org"]) == before
    assert client.get(f"/admin/templates/{ids['template']}/").status_code == 404


def _snapshot(organization):
    return (
        sorted(Membership.objects.filter(organization=organization).values_list("role", flat=True)),
        sorted(
            Invitation.objects.filter(organization=organization).values_list("status", "expires_at")
        ),
        sorted(
            InviteCode.objects.filter(organization=organization).values_list("is_active", flat=True)
        ),
        sorted(
            ApiKey.objects.filter(organization=organization).values_list(
                "revoked_at", "expires_at"
            ),
            key=str,
        ),
        sorted(Template.objects.filter(organization=organization).values_list("name", flat=True)),
    )


# --- forms ----------------------------------------------------------------------------------


def test_a_bad_organization_form_shows_errors_next_to_the_fields(
    signed_in, organization, admin_user
):
    client = signed_in(admin_user)
    blank = client.post(
        "/admin/organization/", {"action": "update", "name": "  ", "slug": "x1x", "timezone": "UTC"}
    )
    assert blank.status_code == 400
    assert blank.context["form"].errors["name"]
    reserved = client.post(
        "/admin/organization/",
        {"action": "update", "name": "Fine", "slug": "admin", "timezone": "UTC"},
    )
    assert reserved.status_code == 400
    assert "reserved" in reserved.context["form"].errors["slug"][0]
    assert b'class="error"' in reserved.content
    organization.refresh_from_db()
    assert organization.slug != "admin"


def test_settings_are_saved_with_a_message(signed_in, organization, admin_user):
    client = signed_in(admin_user)
    response = client.post(
        "/admin/organization/",
        {"action": "update", "name": "Renamed", "slug": "renamed", "timezone": "Europe/Paris"},
        follow=True,
    )
    assert b"Organization settings saved." in response.content
    organization.refresh_from_db()
    assert (organization.name, organization.slug, organization.timezone) == (
        "Renamed",
        "renamed",
        "Europe/Paris",
    )


def test_deleting_needs_the_owner_and_the_typed_slug(signed_in, organization, owner, admin_user):
    assert (
        signed_in(admin_user)
        .post("/admin/data/purge/", {"delete-confirm": organization.slug})
        .status_code
        == 403
    )
    client = signed_in(owner)
    wrong = client.post("/admin/organization/", {"action": "delete", "delete-confirm": "nope"})
    assert wrong.status_code == 400
    assert Organization.objects.filter(pk=organization.pk).exists()
    right = client.post(
        "/admin/organization/", {"action": "delete", "delete-confirm": organization.slug}
    )
    assert right.status_code == 302
    assert not Organization.objects.filter(pk=organization.pk).exists()


def test_ownership_is_transferred_with_a_typed_confirmation(
    signed_in, organization, owner, make_member
):
    member = make_member(organization, Role.MEMBER)
    target = Membership.objects.get(user=member)
    response = signed_in(owner).post(
        "/admin/organization/",
        {
            "action": "transfer",
            "transfer-membership": target.pk,
            "transfer-confirm": organization.slug,
        },
    )
    assert response.status_code == 302
    assert Membership.objects.get(user=member).role == Role.OWNER
    assert Membership.objects.get(user=owner).role == Role.ADMIN


def test_inviting_sends_mail_and_lists_the_invitation(
    signed_in, organization, admin_user, django_capture_on_commit_callbacks
):
    client = signed_in(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/members/", {"action": "invite", "email": "new@example.com", "role": "analyst"}
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/invitations/" in mail.outbox[0].body
    assert b"new@example.com" in client.get("/admin/members/").content


def test_a_bad_invitation_shows_the_error_and_writes_nothing(signed_in, organization, admin_user):
    response = signed_in(admin_user).post(
        "/admin/members/", {"action": "invite", "email": "not-an-email", "role": "owner"}
    )
    assert response.status_code == 400
    assert response.context["invite_form"].errors
    assert not Invitation.objects.exists()


def test_an_admin_cannot_promote_to_owner_through_the_page(
    signed_in, organization, owner, admin_user, make_member
):
    member = make_member(organization, Role.MEMBER)
    membership = Membership.objects.get(user=member)
    response = signed_in(admin_user).post(
        "/admin/members/", {"action": "change_role", "membership": membership.pk, "role": "owner"}
    )
    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.role == Role.MEMBER


def test_a_new_api_key_is_shown_exactly_once(signed_in, organization, admin_user):
    client = signed_in(admin_user)
    response = client.post("/admin/api-keys/", {"action": "create", "name": "CI"}, follow=True)
    secret = response.context["shown_once"]["secret"]
    assert secret.encode() in response.content
    assert secret.encode() not in client.get("/admin/api-keys/").content


def test_templates_analysts_edit_members_read(signed_in, organization, make_member):
    template = TemplateFactory(organization=organization, name="Weekly")
    member = signed_in(make_member(organization, Role.MEMBER))
    page = member.get(f"/admin/templates/{template.pk}/")
    assert page.status_code == 200
    assert b"<form" not in page.content.split(b"<main")[1]
    refused = member.post("/admin/templates/", {"name": "X", "kind": "prompt"})
    assert refused.status_code == 403
    assert Template.objects.count() == 1


def test_a_logo_that_is_not_an_image_is_refused_with_a_message(signed_in, organization, admin_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("logo.png", b"%PDF-1.4 not an image", content_type="image/png")
    response = signed_in(admin_user).post(
        "/admin/branding/",
        {"primary_color": "#112233", "secondary_color": "#ffffff", "logo": fake},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["logo"]
    organization.refresh_from_db()
    assert organization.primary_color == "#000000"


def test_the_brand_stylesheet_carries_the_organizations_colours(signed_in, organization, owner):
    Organization.objects.filter(pk=organization.pk).update(primary_color="#123456")
    css = signed_in(owner).get("/brand.css")
    assert css["Content-Type"].startswith("text/css")
    assert b"--brand-primary: #123456" in css.content


def test_the_data_page_leads_to_the_audit_log(signed_in, admin_user):
    response = signed_in(admin_user).get("/admin/data/")
    assert (
        b'href="/admin/audit/"' in response.content
    )  # the log itself: tests/pages/test_audit_log.py

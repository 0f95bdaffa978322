"""No page answers 500, whatever is posted to it, and junk changes nothing."""

import pytest
from zeal import zeal_ignore

from memberships.models import Invitation, Membership
from organizations.models import ApiKey, Integration, Organization, Template
from organizations.roles import Role
from tests.factories import MembershipFactory, OrganizationFactory
from tests.hostile import CountingStream, png_bytes, truncated_jpeg, truncated_png, upload

pytestmark = pytest.mark.django_db

PAGES = [
    "/admin/organization/",
    "/admin/branding/",
    "/admin/templates/",
    "/admin/members/",
    "/admin/api-keys/",
    "/admin/data/purge/",
    "/onboarding/organization/",
    "/onboarding/plan/",
    "/switch/",
    "/invitations/some-token-that-is-long/",
    "/admin/integrations/",
]
JUNK = [
    {},
    {"action": "nonsense"},
    {"action": "change_role", "membership": "x" * 5000, "role": "emperor"},
    {"action": "remove", "membership": "mem_\x00"},
    {"action": "revoke", "key": "", "invitation": "inv_0"},
    {"action": "rotate", "key": "key_" + "z" * 60},
    {"action": "invite", "email": "a@b.c" * 100, "role": "owner"},
    {"action": "create_code", "expires_in_days": "-5"},
    {"action": "transfer", "transfer-membership": "mem_x", "transfer-confirm": "nope"},
    {"action": "delete", "delete-confirm": "\x00"},
    {"action": "join", "code": "🙂" * 40},
    {"action": "create", "name": "\x07bell", "slug": "-bad-", "kind": "empire"},
    {"plan": "platinum"},
    {"primary_color": "red", "secondary_color": "#ffffff" * 50},
    {"name": "x" * 300, "kind": "prompt", "body": "\x00"},
    {"organization": "org_" + "0" * 100},
]


def _state():
    return (
        Organization.objects.count(),
        sorted(Membership.objects.values_list("role", flat=True)),
        Invitation.objects.count(),
        ApiKey.objects.filter(revoked_at__isnull=True).count(),
        Template.objects.count(),
        Integration.objects.count(),
        list(Organization.objects.values_list("name", "slug", "primary_color", "plan_id")),
    )


@pytest.mark.parametrize("path", PAGES)
def test_junk_never_breaks_a_page_or_changes_anything(client, organization, owner, path):
    with zeal_ignore():
        client.force_login(owner)
    before = _state()
    for data in JUNK:
        response = client.post(path, data)
        assert response.status_code < 500, (path, data)
    assert _state() == before


# --- refused at the boundary (SPEC §8 Input) -------------------------------------------------


@pytest.fixture
def signed_in_owner(client, owner):
    with zeal_ignore():  # logging in is test setup, not the request under test
        client.force_login(owner)
    return client


def _plain_page(response, status):
    """The plain error page (templates/400.html, 413.html), not a form answered with errors."""
    assert response.status_code == status, response.content[:200]
    assert response["Content-Type"].startswith("text/html")
    heading = {400: b"<h1>Bad request</h1>", 413: b"<h1>Too large</h1>"}[status]
    assert heading in response.content


def _active_organization(user):
    return Membership.objects.filter(user=user, is_active=True).values_list(
        "organization_id", flat=True
    )


@pytest.mark.parametrize(
    "body",
    [
        "organization=org%00",
        "organization=%00",
        "organization=%ED%A0%80",
        "organization=org%1B%5B31m",
        "organ%00ization=x",
    ],
)
def test_the_switcher_refuses_nul_control_characters_and_bad_utf8(
    signed_in_owner, owner, organization, body
):
    other = OrganizationFactory()
    MembershipFactory(user=owner, organization=other, role=Role.MEMBER, is_active=False)
    before = list(_active_organization(owner))
    response = signed_in_owner.post(
        "/switch/", body, content_type="application/x-www-form-urlencoded"
    )
    _plain_page(response, 400)
    assert list(_active_organization(owner)) == before


def test_the_switcher_still_switches(signed_in_owner, owner):
    other = OrganizationFactory()
    MembershipFactory(user=owner, organization=other, role=Role.MEMBER, is_active=False)
    response = signed_in_owner.post("/switch/", {"organization": other.pk})
    assert response.status_code == 302
    assert list(_active_organization(owner)) == [other.pk]


@pytest.mark.parametrize("query", ["search=%00", "q=%ED%A0%80", "%07=1", "page=1%00"])
@pytest.mark.parametrize("path", ["/admin/members/", "/", "/login/"])
def test_a_page_refuses_nul_control_characters_and_bad_utf8_in_its_query(
    signed_in_owner, path, query
):
    _plain_page(signed_in_owner.get(f"{path}?{query}"), 400)


@pytest.mark.parametrize("path", ["/admin/%00/", "/invitations/tok%00en/", "/%ED%A0%80/"])
def test_a_page_refuses_nul_and_bad_utf8_in_its_path(signed_in_owner, path):
    _plain_page(signed_in_owner.get(path), 400)


def test_a_form_body_over_the_limit_is_413_before_it_is_parsed(signed_in_owner, settings):
    before = _state()
    response = signed_in_owner.post(
        "/admin/organization/", {"name": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}
    )
    _plain_page(response, 413)
    assert _state() == before


def test_a_30_mb_logo_upload_is_413_before_it_is_read(signed_in_owner, organization):
    body = CountingStream(30 * 1024 * 1024)
    response = signed_in_owner.generic(
        "POST",
        "/admin/branding/",
        "x",
        content_type="multipart/form-data; boundary=BoUnDaRy",
        CONTENT_LENGTH=str(body.size),
        **{"wsgi.input": body},
    )
    _plain_page(response, 413)
    assert body.read_bytes == 0
    organization.refresh_from_db()
    assert not organization.logo


@pytest.mark.parametrize(
    ("data", "name"), [(truncated_png(), "logo.png"), (truncated_jpeg(), "logo.jpg")]
)
def test_a_truncated_logo_is_a_field_error_on_the_branding_page(
    client, organization, admin_user, data, name
):
    with zeal_ignore():
        client.force_login(admin_user)
    response = client.post(
        "/admin/branding/",
        {"primary_color": "#112233", "secondary_color": "#ffffff", "logo": upload(data, name)},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["logo"]
    organization.refresh_from_db()
    assert not organization.logo
    assert organization.primary_color == "#000000"


def test_a_nul_in_a_multipart_form_field_is_400(client, organization, admin_user):
    with zeal_ignore():
        client.force_login(admin_user)
    response = client.post(
        "/admin/branding/",
        {"primary_color": "#11\x002233", "logo": upload(png_bytes(), "logo.png")},
    )
    _plain_page(response, 400)
    organization.refresh_from_db()
    assert not organization.logo
    assert organization.primary_color == "#000000"

"""What the pages look like to a person (issue 11, items 3, 9, 10 and 12 through Django's
client): brand colours that stay readable, colours typed as hex, the error summary, the
organization's header on the account and error pages, and the switcher staying on the page."""

import re

import pytest

from memberships.models import Membership
from organizations.models import Organization
from organizations.roles import Role
from tests.factories import MembershipFactory, OrganizationFactory, TemplateFactory, UserFactory

pytestmark = pytest.mark.django_db


def colours(organization):
    organization.refresh_from_db()
    return organization.primary_color, organization.secondary_color


# --- readable brand colours (item 3) -----------------------------------------------------------


def test_a_light_brand_colour_gets_dark_text_in_the_stylesheet(signed_in, organization, owner):
    Organization.objects.filter(pk=organization.pk).update(primary_color="#0ea5e9")
    css = signed_in(owner).get("/brand.css").content.decode()
    assert "--brand-primary: #0ea5e9;" in css
    assert "--brand-on-primary: #111827;" in css  # white was 2.77:1
    assert "--brand-link: #0a74a3;" in css  # darkened to read on white


def test_a_dark_brand_colour_keeps_white_text(signed_in, organization, owner):
    Organization.objects.filter(pk=organization.pk).update(primary_color="#1e1b4b")
    css = signed_in(owner).get("/brand.css").content.decode()
    assert "--brand-on-primary: #ffffff;" in css


def test_without_an_organization_the_stylesheet_keeps_the_defaults(signed_in):
    assert signed_in(UserFactory()).get("/brand.css").content == b""


def test_the_preview_says_how_readable_each_colour_is(signed_in, organization, admin_user):
    Organization.objects.filter(pk=organization.pk).update(
        primary_color="#0ea5e9", secondary_color="#1e1b4b"
    )
    page = signed_in(admin_user).get("/admin/branding/").content.decode()
    assert re.search(r'data-contrast="primary">Dark text, 6\.4:1', page)
    assert re.search(r'data-contrast="secondary">White text, 16\.0:1', page)


# --- colours typed as hex (item 12) --------------------------------------------------------------


def test_a_typed_hex_colour_is_saved(signed_in, organization, admin_user):
    response = signed_in(admin_user).post(
        "/admin/branding/",
        {
            "primary_color": "#0EA5E9",
            "primary_color_picker": "#000000",  # the picker left as it was
            "secondary_color": "fde047",  # the # is optional
            "secondary_color_picker": "#ffffff",
        },
    )
    assert response.status_code == 302
    assert colours(organization) == ("#0ea5e9", "#fde047")


def test_without_javascript_the_picker_the_person_changed_wins(signed_in, organization, admin_user):
    response = signed_in(admin_user).post(
        "/admin/branding/",
        {
            "primary_color": "#000000",  # the hex field left as it was
            "primary_color_picker": "#1e1b4b",
            "secondary_color": "#ffffff",
            "secondary_color_picker": "#ffffff",
        },
    )
    assert response.status_code == 302
    assert colours(organization) == ("#1e1b4b", "#ffffff")


def test_a_mistyped_colour_is_an_error_next_to_its_field_and_saves_nothing(
    signed_in, organization, admin_user
):
    response = signed_in(admin_user).post(
        "/admin/branding/",
        {"primary_color": "#12zz45", "secondary_color": "#fde047"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    start = page.index("data-error-summary")
    summary = page[start : page.index("</ul>", start)]
    assert '<a href="#id_primary_color">Primary colour: Colour must be a hex value' in summary
    assert re.search(r'<input type="text" name="primary_color"[^>]*aria-invalid="true"', page)
    assert 'id="id_primary_color_error"' in page
    # The picker beside it still shows a colour (an input type=color cannot show "#12zz45").
    assert re.search(
        r'name="primary_color_picker" id="id_primary_color_picker" value="#000000"', page
    )
    assert colours(organization) == ("#000000", "#ffffff")


def test_analysts_cannot_change_the_colours(signed_in, organization, analyst):
    response = signed_in(analyst).post(
        "/admin/branding/", {"primary_color": "#0ea5e9", "secondary_color": "#ffffff"}
    )
    assert response.status_code == 403
    assert colours(organization) == ("#000000", "#ffffff")


# --- the header: a phone menu, and the organization on account and error pages (item 9) ---------


def test_the_header_is_one_menu_that_works_without_javascript(signed_in, organization, owner):
    page = signed_in(owner).get("/").content.decode()
    menu = page[page.index('<details class="menu"') : page.index("</details>\n")]
    assert '<summary class="menu__button">Menu</summary>' in menu
    assert 'aria-label="Organization"' in page[page.index('<details class="menu"') :]
    assert "<script" not in page.split("<body>")[1].split("<main")[0]  # no inline script


@pytest.mark.parametrize("path", ["/password/change/", "/logout/"])
def test_the_account_pages_keep_the_organizations_header(signed_in, organization, admin_user, path):
    page = signed_in(admin_user).get(path).content.decode()
    brand = page[page.index('class="brand"') : page.index("</a>", page.index('class="brand"'))]
    assert organization.name in brand
    assert 'href="/admin/members/"' in page  # the admin's navigation


def test_the_403_page_keeps_the_organizations_header(signed_in, organization, member):
    response = signed_in(member).get("/admin/api-keys/")
    assert response.status_code == 403
    page = response.content.decode()
    assert f'<span class="brand__name">{organization.name}</span>' in page
    assert 'href="/admin/members/"' in page  # the member's navigation …
    assert 'href="/admin/api-keys/"' not in page  # … without the pages they cannot open


def test_the_404_page_shows_my_organization_not_the_one_asked_about(
    signed_in, organization, member
):
    foreign = TemplateFactory(organization=OrganizationFactory(name="Somebody Else"))
    response = signed_in(member).get(f"/admin/templates/{foreign.pk}/")
    assert response.status_code == 404
    page = response.content.decode()
    assert f'<span class="brand__name">{organization.name}</span>' in page
    assert "Somebody Else" not in page


def test_anonymous_error_pages_have_the_plain_header(client):
    page = client.get("/admin/nothing-here/").content.decode()
    assert '<span class="brand__name">Causeloop</span>' in page


def test_the_login_page_has_one_forgot_your_password_link(client):
    assert client.get("/login/").content.decode().count("Forgot your password?") == 1


# --- the copy button needs JavaScript (item 12) --------------------------------------------------


def test_the_copy_button_is_rendered_hidden(signed_in, organization, admin_user):
    response = signed_in(admin_user).post(
        "/admin/api-keys/", {"action": "create", "name": "CI"}, follow=True
    )
    assert re.search(
        r'<button type="button"[^>]*data-copy="#secret-value" hidden>Copy',
        response.content.decode(),
    )


# --- switching stays on the same /admin page when allowed (item 10) ------------------------------


@pytest.fixture
def two_organizations(organization):
    """A person who is admin of `organization` (active) and a member of a second one."""
    person = UserFactory()
    MembershipFactory(user=person, organization=organization, role=Role.ADMIN, is_active=True)
    second = OrganizationFactory(name="Second")
    MembershipFactory(user=person, organization=second, role=Role.MEMBER)
    return person, second


def test_switching_keeps_the_admin_page_the_new_role_allows(
    signed_in, organization, two_organizations
):
    person, second = two_organizations
    client = signed_in(person)
    page = client.get("/admin/templates/").content.decode()
    assert '<input type="hidden" name="next" value="/admin/templates/">' in page
    response = client.post("/switch/", {"organization": second.pk, "next": "/admin/templates/"})
    assert response["Location"] == "/admin/templates/"
    assert Membership.objects.get(user=person, is_active=True).organization == second
    # And back, as admin: the API keys page is allowed there.
    response = client.post(
        "/switch/", {"organization": organization.pk, "next": "/admin/api-keys/"}
    )
    assert response["Location"] == "/admin/api-keys/"


def test_switching_goes_home_when_the_new_role_does_not_allow_the_page(
    signed_in, two_organizations
):
    person, second = two_organizations
    response = signed_in(person).post(
        "/switch/", {"organization": second.pk, "next": "/admin/api-keys/"}
    )
    assert response["Location"] == "/"  # a member there: the API keys page would be 403
    assert Membership.objects.get(user=person, is_active=True).organization == second


@pytest.mark.parametrize(
    "next_path",
    [
        "/admin/templates/tpl_01jd8x0000000000000000000/",  # a row of the old organization
        "https://elsewhere.example/admin/",
        "//elsewhere.example/admin/",
        "/admin/no-such-page/",
        "/onboarding/",
        "",
    ],
)
def test_switching_goes_home_from_anywhere_else(signed_in, organization, next_path):
    person = UserFactory()
    MembershipFactory(user=person, organization=organization, role=Role.OWNER, is_active=True)
    second = OrganizationFactory()
    MembershipFactory(user=person, organization=second, role=Role.OWNER)
    response = signed_in(person).post("/switch/", {"organization": second.pk, "next": next_path})
    assert response["Location"] == "/"


def test_switching_to_another_tenant_with_a_next_page_is_still_404(signed_in, organization, owner):
    stranger = OrganizationFactory()
    response = signed_in(owner).post(
        "/switch/", {"organization": stranger.pk, "next": "/admin/branding/"}
    )
    assert response.status_code == 404
    assert Membership.objects.get(user=owner, is_active=True).organization == organization

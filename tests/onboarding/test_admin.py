"""The platform admin's "Onboard client" form, added to the organizations' admin pages."""

import pytest
from django.urls import reverse
from zeal import zeal_ignore

from memberships.models import Membership, User
from onboarding.services.onboard import OnboardRequest, onboard_client
from organizations.models import AuditLog, Organization
from tests.factories import UserFactory

CHANGELIST = "admin:organizations_organization_changelist"
ONBOARD = "admin:organizations_organization_onboard"
ONBOARD_FORM = {
    "org_name": "Acme Corp",
    "org_slug": "acme",
    "owner_email": "alice@acme.com",
    "owner_name": "",
    "workspace_name": "",
    "plan": "growth",
    "timezone": "UTC",
    "seats": "",
}


def test_the_organization_change_list_has_the_onboard_button(staff_client):
    content = staff_client.get(reverse(CHANGELIST)).content.decode()
    assert "Onboard client" in content
    assert reverse(ONBOARD) in content


def test_non_staff_users_are_sent_to_the_login_page(client, db):
    user = UserFactory()
    with zeal_ignore():
        client.force_login(user)
    response = client.get(reverse(ONBOARD))
    assert response.status_code == 302
    assert "/platform-admin/login/" in response["Location"]


def test_the_onboard_form_keeps_its_url():
    assert reverse(ONBOARD) == "/platform-admin/organizations/organization/onboard/"


def test_anonymous_visitors_are_sent_to_the_login_page(client, db):
    response = client.get(reverse(ONBOARD))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_onboard_form_renders_with_labelled_fields(staff_client):
    page = staff_client.get(reverse(ONBOARD))
    content = page.content.decode()
    assert page.status_code == 200
    for field in ONBOARD_FORM:
        assert f'for="id_{field}"' in content


def test_add_organization_leads_to_the_onboard_form(staff_client):
    response = staff_client.get(reverse("admin:organizations_organization_add"))
    assert response.status_code == 302
    assert response["Location"] == reverse(ONBOARD)


def test_onboard_form_creates_through_the_service_and_redirects(staff_client):
    response = staff_client.post(reverse(ONBOARD), ONBOARD_FORM)
    organization = Organization.objects.get(slug="acme")
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "admin:organizations_organization_change", args=[organization.pk]
    )
    assert organization.plan_id == "growth"
    assert organization.seats == 50
    assert Membership.objects.get(organization=organization).user.email == "alice@acme.com"
    assert AuditLog.objects.get(organization=organization).action == "workspace.created"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("org_slug", "Admin", "is reserved"),
        ("org_slug", "-x-", "with a letter or digit first and last"),
        ("owner_email", "nobody", "Enter a valid email address"),
        ("timezone", "Moon/Base", "not a known IANA timezone"),
        ("org_name", "", "This field is required"),
        ("plan", "gold", "Select a valid choice"),
        ("seats", "0", "greater than or equal to 1"),
    ],
)
def test_onboard_form_shows_errors_next_to_fields_and_creates_nothing(
    staff_client, field, value, message
):
    response = staff_client.post(reverse(ONBOARD), {**ONBOARD_FORM, field: value})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert message in errors[field][0]
    assert f"field-{field} errors" in response.content.decode()
    assert not Organization.objects.exists()
    assert not User.objects.filter(email="alice@acme.com").exists()


def test_onboard_form_reports_a_taken_slug(staff_client):
    onboard_client(
        request=OnboardRequest(org_name="Acme", org_slug="acme", owner_email="bob@acme.com")
    )
    with zeal_ignore():
        response = staff_client.post(reverse(ONBOARD), ONBOARD_FORM)
    assert response.status_code == 200
    assert response.context["form"].errors["org_slug"] == [
        'The address "acme" is taken — try "acme-2".'
    ]
    assert Organization.objects.count() == 1

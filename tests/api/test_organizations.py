"""Organizations: list, create, read, update, delete, switch, suspension and billing."""

import pytest

from memberships.models import Membership
from organizations.models import Organization, Subscription
from organizations.roles import Role
from tests.api.conftest import error_code
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_list_shows_only_the_callers_organizations(as_user, organization, make_member):
    user = make_member(organization, Role.ANALYST)
    OrganizationFactory()  # somebody else's
    body = as_user(user).get("/api/v1/organizations").json()
    assert [row["id"] for row in body["results"]] == [organization.pk]
    assert set(body["results"][0]) == {
        "id",
        "name",
        "slug",
        "role",
        "is_active",
        "joined_at",
        "status",
    }
    assert body["results"][0]["role"] == "analyst"
    assert "next" in body


def test_creating_an_organization_makes_the_caller_its_active_owner(as_user, organization, owner):
    response = as_user(owner).post(
        "/api/v1/organizations",
        {"name": "New Venture", "plan": "growth", "timezone": "Europe/Paris"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["slug"] == "new-venture"
    assert body["role"] == "owner"
    assert body["plan"] == "growth"
    assert body["seats"] == 50
    created = Organization.objects.get(pk=body["id"])
    assert created.subscription.billing_status == Subscription.BillingStatus.TRIALING
    active = Membership.objects.get(user=owner, is_active=True)
    assert active.organization_id == created.pk
    assert active.role == Role.OWNER


def test_a_taken_slug_is_refused(as_user, organization, owner):
    response = as_user(owner).post(
        "/api/v1/organizations", {"name": "Again", "slug": organization.slug}, format="json"
    )
    assert response.status_code == 409
    assert error_code(response) == "slug_taken"
    assert Organization.objects.count() == 1


@pytest.mark.parametrize("address", ["id", "slug", "SLUG"])
def test_an_organization_is_addressed_by_id_or_slug(as_user, organization, make_member, address):
    member = make_member(organization, Role.MEMBER)
    ref = {"id": organization.pk, "slug": organization.slug, "SLUG": organization.slug.upper()}
    response = as_user(member).get(f"/api/v1/organizations/{ref[address]}")
    assert response.status_code == 200
    assert response.json()["id"] == organization.pk
    assert response.json()["role"] == "member"
    assert response.json()["seats_used"] == 1


@pytest.mark.parametrize(
    ("role", "expected"), [(Role.ADMIN, 200), (Role.ANALYST, 403), (Role.MEMBER, 403)]
)
def test_only_admins_update_settings(as_user, organization, make_member, role, expected):
    user = make_member(organization, role)
    response = as_user(user).patch(
        f"/api/v1/organizations/{organization.slug}",
        {"name": "Renamed", "timezone": "America/New_York"},
        format="json",
    )
    assert response.status_code == expected
    organization.refresh_from_db()
    assert (organization.name == "Renamed") is (expected == 200)


def test_an_invalid_timezone_changes_nothing(as_user, organization, admin_user):
    response = as_user(admin_user).patch(
        f"/api/v1/organizations/{organization.pk}",
        {"name": "Renamed", "timezone": "Mars/Olympus"},
        format="json",
    )
    assert response.status_code == 400
    assert "timezone" in response.json()["error"]["fields"]
    organization.refresh_from_db()
    assert organization.name != "Renamed"


@pytest.mark.parametrize(("role", "expected"), [(Role.OWNER, 202), (Role.ADMIN, 403)])
def test_only_the_owner_deletes(as_user, organization, make_member, role, expected):
    user = make_member(organization, role)
    if role != Role.OWNER:
        make_member(organization, Role.OWNER)
    response = as_user(user).delete(f"/api/v1/organizations/{organization.pk}")
    assert response.status_code == expected
    assert Organization.objects.filter(pk=organization.pk).exists() is (expected != 202)


def test_switching_makes_the_organization_active(as_user, organization, other_organization):
    user = UserFactory()
    MembershipFactory(user=user, organization=organization, is_active=True)
    MembershipFactory(user=user, organization=other_organization)
    response = as_user(user).post(f"/api/v1/organizations/{other_organization.slug}/switch")
    assert response.status_code == 200
    active = Membership.objects.get(user=user, is_active=True)
    assert active.organization_id == other_organization.pk


def test_a_suspended_organization_answers_403_for_every_request(as_user, organization, owner):
    organization.status = Organization.Status.SUSPENDED
    organization.save()
    client = as_user(owner)
    for response in (
        client.get(f"/api/v1/organizations/{organization.pk}"),
        client.get(f"/api/v1/organizations/{organization.pk}/members"),
        client.post(f"/api/v1/organizations/{organization.pk}/templates", {"name": "x"}),
    ):
        assert response.status_code == 403
        assert error_code(response) == "organization_suspended"


@pytest.mark.parametrize("billing", ["past_due", "paused"])
def test_blocking_billing_refuses_the_api_key(as_key, organization, billing):
    Subscription.objects.filter(organization=organization).update(billing_status=billing)
    response = as_key(organization).get(f"/api/v1/organizations/{organization.pk}/templates")
    assert response.status_code == 403
    assert error_code(response) == "organization_suspended"


def test_an_api_key_sees_only_its_own_organization(as_key, organization, other_organization):
    client = as_key(organization)
    listed = client.get("/api/v1/organizations").json()["results"]
    assert [row["id"] for row in listed] == [organization.pk]
    assert client.get(f"/api/v1/organizations/{other_organization.pk}").status_code == 404
    assert client.get(f"/api/v1/organizations/{organization.slug}").json()["role"] == "admin"


def test_an_organization_awaiting_approval_answers_403_until_approved(as_user, organization, owner):
    from organizations.services.organizations import organization_approve

    Organization.objects.filter(pk=organization.pk).update(status=Organization.Status.PENDING)
    client = as_user(owner)
    response = client.get(f"/api/v1/organizations/{organization.pk}")
    assert (response.status_code, error_code(response)) == (403, "organization_pending")
    organization.refresh_from_db()
    organization_approve(organization=organization)
    assert client.get(f"/api/v1/organizations/{organization.pk}").status_code == 200

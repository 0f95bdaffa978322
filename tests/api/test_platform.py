"""The platform endpoints: root key or staff only."""

import pytest

from memberships.models import Membership, User
from organizations.models import ApiKey, Organization, Subscription
from organizations.roles import Role
from tests.api.conftest import client_with, error_code
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ONBOARD = {
    "org_slug": "acme",
    "company_name": "Acme Corp",
    "admin_email": "alice@acme.com",
    "subscription_plan": "growth",
    "timezone": "America/New_York",
}


def test_onboarding_provisions_the_client_and_its_first_key(as_root):
    response = as_root.post("/api/v1/organizations/onboard", ONBOARD, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["created"] is True
    assert body["org_id"].startswith("org_")
    organization = Organization.objects.get(pk=body["org_id"])
    assert organization.plan_id == "growth"
    assert organization.seats == 50
    owner = Membership.objects.get(organization=organization)
    assert owner.role == Role.OWNER
    assert owner.user.email == "alice@acme.com"
    me = client_with(HTTP_AUTHORIZATION=f"Bearer {body['api_key']}").get("/api/v1/me")
    assert me.json()["active_organization"]["slug"] == "acme"


def test_onboarding_an_existing_client_is_409_unless_a_new_key_is_asked(as_root):
    first = as_root.post("/api/v1/organizations/onboard", ONBOARD, format="json").json()
    again = as_root.post("/api/v1/organizations/onboard", ONBOARD, format="json")
    assert (again.status_code, error_code(again)) == (409, "already_onboarded")
    regenerated = as_root.post(
        "/api/v1/organizations/onboard",
        {**ONBOARD, "regenerate_api_key_if_exists": True},
        format="json",
    )
    assert regenerated.status_code == 200
    assert regenerated.json()["org_id"] == first["org_id"]
    assert regenerated.json()["created"] is False
    assert ApiKey.objects.filter(revoked_at__isnull=True).count() == 1
    old = client_with(HTTP_AUTHORIZATION=f"Bearer {first['api_key']}").get("/api/v1/me")
    assert old.status_code == 401


def test_bad_onboarding_input_names_the_api_fields(as_root):
    response = as_root.post(
        "/api/v1/organizations/onboard",
        {**ONBOARD, "org_slug": "admin", "admin_email": "not-an-email"},
        format="json",
    )
    assert response.status_code == 400
    assert {"org_slug", "admin_email"} <= set(response.json()["error"]["fields"])
    assert not Organization.objects.exists()
    assert not User.objects.exists()


def test_a_slug_owned_by_someone_else_is_taken(as_root, organization):
    response = as_root.post(
        "/api/v1/organizations/onboard", {**ONBOARD, "org_slug": organization.slug}, format="json"
    )
    assert (response.status_code, error_code(response)) == (409, "slug_taken")


def test_dryrun_reports_every_check_and_writes_nothing(as_root, organization):
    response = as_root.post(
        "/api/v1/organizations/dryrun",
        {**ONBOARD, "org_slug": organization.slug, "subscription_plan": "platinum"},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["ready_for_onboarding"] is False
    failed = {r["check_name"] for r in body["validation_results"] if not r["passed"]}
    assert {"plan_valid", "slug_available"} <= failed
    assert body["validation_summary"]["failed"] == len(failed)
    assert Organization.objects.count() == 1
    ok = as_root.post("/api/v1/organizations/dryrun", ONBOARD, format="json").json()
    assert ok["ready_for_onboarding"] is True
    assert ok["status"] == "ready"


def test_suspend_and_reinstate(as_root, as_user, organization, owner):
    url = f"/api/v1/organizations/{organization.slug}"
    assert as_root.post(f"{url}/suspend").json()["status"] == "suspended"
    assert as_user(owner).get(url).status_code == 403
    assert as_root.post(f"{url}/reinstate").json()["status"] == "active"
    assert as_user(owner).get(url).status_code == 200


def test_subscription_sync(as_root, as_key, organization):
    response = as_root.put(
        f"/api/v1/organizations/{organization.pk}/subscription",
        {"plan": "starter", "billing_status": "past_due", "seats": 20},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["billing_status"] == "past_due"
    assert response.json()["seats"] == 20
    assert Subscription.objects.get(organization=organization).billing_status == "past_due"
    refused = as_key(organization).get(f"/api/v1/organizations/{organization.pk}")
    assert error_code(refused) == "organization_suspended"


def test_a_staff_users_token_is_a_platform_credential(as_user):
    staff = UserFactory(is_staff=True)
    response = as_user(staff).post("/api/v1/organizations/onboard", ONBOARD, format="json")
    assert response.status_code == 201


@pytest.mark.parametrize("caller", ["owner", "api_key", "anonymous", "wrong_root_key"])
def test_everyone_else_is_refused(as_user, as_key, organization, owner, caller):
    client = {
        "owner": lambda: as_user(owner),
        "api_key": lambda: as_key(organization),
        "anonymous": lambda: client_with(),
        "wrong_root_key": lambda: client_with(HTTP_X_ROOT_KEY="guess"),
    }[caller]()
    for response in (
        client.post("/api/v1/organizations/onboard", ONBOARD, format="json"),
        client.post("/api/v1/organizations/dryrun", ONBOARD, format="json"),
        client.post(f"/api/v1/organizations/{organization.pk}/suspend"),
    ):
        assert response.status_code in (401, 403)
        assert response.status_code == (403 if caller in ("owner", "api_key") else 401)
    organization.refresh_from_db()
    assert organization.status == "active"
    assert Organization.objects.count() == 1


def test_an_owner_removes_a_member_from_their_organization_but_not_their_account(
    as_user, organization, owner, make_member
):
    member = make_member(organization, Role.MEMBER, email="leaving@example.com")
    client = as_user(owner)
    refused = client.post(
        "/api/v1/governance/rtbf/requests",
        {"email": "leaving@example.com", "mode": "erasure"},
        format="json",
    )
    assert refused.status_code == 403
    response = client.post(
        "/api/v1/governance/rtbf/requests",
        {
            "email": "leaving@example.com",
            "mode": "erasure",
            "scope": "organization",
            "organization": organization.slug,
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["scope"] == "organization"
    member.refresh_from_db()
    assert member.email == "leaving@example.com"
    assert member.is_active
    assert not Membership.objects.filter(user=member).exists()


def test_nobody_erases_a_stranger(as_user, organization, owner):
    stranger = UserFactory(email="stranger@example.com")
    response = as_user(owner).post(
        "/api/v1/governance/rtbf/requests",
        {
            "email": "stranger@example.com",
            "mode": "erasure",
            "scope": "organization",
            "organization": organization.pk,
        },
        format="json",
    )
    assert response.status_code == 404
    stranger.refresh_from_db()
    assert stranger.email == "stranger@example.com"


def test_the_platform_erases_any_account_but_a_staff_one(as_root):
    person = UserFactory(email="gone@example.com")
    response = as_root.post(
        "/api/v1/governance/rtbf/requests",
        {"email": "gone@example.com", "mode": "erasure"},
        format="json",
    )
    assert response.status_code == 200
    person.refresh_from_db()
    assert person.email != "gone@example.com"
    staff = UserFactory(email="staff@example.com", is_staff=True)
    refused = as_root.post(
        "/api/v1/governance/rtbf/requests",
        {"email": "staff@example.com", "mode": "erasure"},
        format="json",
    )
    assert (refused.status_code, error_code(refused)) == (403, "staff_account_protected")
    staff.refresh_from_db()
    assert staff.email == "staff@example.com"

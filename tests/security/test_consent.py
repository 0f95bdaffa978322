"""Nobody joins an organization, and nobody's account is changed or erased, without their
consent or a platform operator's action (SPEC §5 `POST …/members`, `/governance/rtbf/requests`,
`DELETE /me`; §8). A suspended or pending organization accepts no joins."""

from __future__ import annotations

import pytest
from django.core import mail

from memberships.models import Invitation, Membership, PersonalToken, User
from organizations.audit import audit
from organizations.models import AuditLog, Organization
from organizations.roles import Role
from tests.api.conftest import ROOT_KEY, client_with, error_code, token_client
from tests.factories import (
    MembershipFactory,
    UserFactory,
    organization_with_owner,
)

pytestmark = pytest.mark.django_db

RTBF = "/api/v1/governance/rtbf/requests"


def _token_works(client) -> bool:
    return client.get("/api/v1/me").status_code == 200


def _untouched(user: User, email: str) -> bool:
    user.refresh_from_db()
    return user.email == email and user.is_active and user.has_usable_password()


# --- the reported attack --------------------------------------------------------------------


def test_an_owner_cannot_add_a_superuser_and_then_erase_their_account():
    target = UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    target_client = token_client(target)
    organization, attacker = organization_with_owner()
    client = token_client(attacker)

    added = client.post(
        f"/api/v1/organizations/{organization.pk}/members",
        {"email": "root@example.com", "role": "member"},
        format="json",
    )
    assert added.status_code == 201, added.content
    assert added.json()["email"] == "root@example.com"
    assert added.json()["state"] == "pending"
    assert not Membership.objects.filter(user=target).exists()

    erased = client.post(RTBF, {"email": "root@example.com", "mode": "erasure"}, format="json")
    assert (erased.status_code, error_code(erased)) == (403, "permission_denied")
    assert _untouched(target, "root@example.com")
    assert _token_works(target_client)


def test_an_owner_cannot_erase_the_account_of_their_own_member():
    organization, owner = organization_with_owner()
    member = UserFactory(email="member@example.com")
    MembershipFactory(user=member, organization=organization, role=Role.MEMBER)
    response = token_client(owner).post(
        RTBF, {"email": "member@example.com", "mode": "erasure"}, format="json"
    )
    assert response.status_code == 403
    assert _untouched(member, "member@example.com")
    assert Membership.objects.filter(user=member, organization=organization).exists()


# --- POST …/members: an invitation unless the platform adds ---------------------------------


def test_an_admin_adding_a_member_sends_an_invitation_instead(django_capture_on_commit_callbacks):
    organization, _owner = organization_with_owner()
    admin = UserFactory()
    MembershipFactory(user=admin, organization=organization, role=Role.ADMIN)
    newcomer = UserFactory(email="newcomer@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = token_client(admin).post(
            f"/api/v1/organizations/{organization.pk}/members",
            {"email": "NEWCOMER@example.com", "role": "analyst"},
            format="json",
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id"].startswith("inv_")
    assert body["role"] == "analyst"
    assert body["accept_url"].startswith("http")
    assert not Membership.objects.filter(user=newcomer).exists()
    invitation = Invitation.objects.get(pk=body["id"])
    assert invitation.email.lower() == "newcomer@example.com"
    assert invitation.status == "pending"
    assert [[to.lower() for to in message.to] for message in mail.outbox] == [
        ["newcomer@example.com"]
    ]


def test_an_admin_adding_someone_without_an_account_invites_them_too():
    organization, owner = organization_with_owner()
    response = token_client(owner).post(
        f"/api/v1/organizations/{organization.pk}/members",
        {"email": "nobody-yet@example.com", "role": "member"},
        format="json",
    )
    assert response.status_code == 201
    assert Invitation.objects.filter(email="nobody-yet@example.com", status="pending").exists()


def test_an_added_invitation_keeps_the_seat_limit():
    organization, owner = organization_with_owner()
    Organization.objects.filter(pk=organization.pk).update(seats=1)
    response = token_client(owner).post(
        f"/api/v1/organizations/{organization.pk}/members",
        {"email": "one-too-many@example.com", "role": "member"},
        format="json",
    )
    assert (response.status_code, error_code(response)) == (409, "seat_limit_reached")
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("caller", ["root_key", "staff_token"])
def test_platform_operators_add_an_existing_user_directly(caller):
    organization, _owner = organization_with_owner()
    newcomer = UserFactory(email="direct@example.com")
    client = (
        client_with(HTTP_X_ROOT_KEY=ROOT_KEY)
        if caller == "root_key"
        else token_client(UserFactory(is_staff=True))
    )
    response = client.post(
        f"/api/v1/organizations/{organization.slug}/members",
        {"email": "direct@example.com", "role": "admin"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["user"]["email"] == "direct@example.com"
    membership = Membership.objects.get(user=newcomer)
    assert (membership.organization_id, membership.role) == (organization.pk, "admin")
    assert not Invitation.objects.exists()


def test_the_root_key_only_adds_members_it_cannot_read_them():
    organization, _owner = organization_with_owner()
    client = client_with(HTTP_X_ROOT_KEY=ROOT_KEY)
    assert client.get(f"/api/v1/organizations/{organization.pk}/members").status_code == 404
    missing = client.post(
        "/api/v1/organizations/org_doesnotexist/members",
        {"email": "x@example.com", "role": "member"},
        format="json",
    )
    assert missing.status_code == 404


# --- organization-scoped forgetting -----------------------------------------------------


def _history(organization, person: User) -> None:
    audit(
        organization,
        actor=person,
        action="member.joined",
        target=person,
        details={"email": person.email, "role": "member"},
    )


def test_an_admin_forgets_a_person_in_their_organization_and_nowhere_else():
    acme, acme_owner = organization_with_owner()
    globex, _globex_owner = organization_with_owner()
    person = UserFactory(email="leaver@example.com", name="Lee Leaver")
    person_client = token_client(person)
    MembershipFactory(user=person, organization=acme, role=Role.MEMBER, is_active=True)
    MembershipFactory(user=person, organization=globex, role=Role.MEMBER)
    _history(acme, person)
    _history(globex, person)

    response = token_client(acme_owner).post(
        RTBF,
        {
            "email": "Leaver@example.com",
            "mode": "erasure",
            "scope": "organization",
            "organization": acme.slug,
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["memberships_removed"] == 1
    assert not Membership.objects.filter(user=person, organization=acme).exists()
    assert Membership.objects.get(user=person, organization=globex).is_active
    person.refresh_from_db()
    assert (person.email, person.name, person.is_active) == (
        "leaver@example.com",
        "Lee Leaver",
        True,
    )
    assert _token_works(person_client)
    acme_rows = AuditLog.objects.filter(organization=acme, actor_user=None)
    scrubbed = acme_rows.get(action="member.joined")
    assert (scrubbed.actor_name, scrubbed.target_repr) == ("erased user", "erased user")
    assert scrubbed.details == {"email": "erased user", "role": "member"}
    assert AuditLog.objects.get(organization=acme, action="member.erased").actor_name == (
        acme_owner.email
    )
    assert not AuditLog.objects.filter(organization=acme, target_repr__contains=person.pk)
    kept = AuditLog.objects.get(organization=globex, action="member.joined")
    assert (kept.actor_user_id, kept.actor_name) == (person.pk, "leaver@example.com")
    assert kept.details["email"] == "leaver@example.com"


def test_forgetting_the_last_owner_of_an_organization_is_refused():
    organization, owner = organization_with_owner()
    response = token_client(owner).post(
        RTBF,
        {
            "email": owner.email,
            "mode": "erasure",
            "scope": "organization",
            "organization": organization.pk,
        },
        format="json",
    )
    assert (response.status_code, error_code(response)) == (409, "last_owner")
    assert Membership.objects.filter(user=owner, organization=organization).exists()


@pytest.mark.parametrize(("role", "expected"), [(Role.ADMIN, 403), (Role.MEMBER, 403)])
def test_only_owners_forget_owners_and_only_admins_forget_anyone(role, expected):
    organization, owner = organization_with_owner()
    MembershipFactory(user=UserFactory(), organization=organization, role=Role.OWNER)
    caller = UserFactory()
    MembershipFactory(user=caller, organization=organization, role=role)
    response = token_client(caller).post(
        RTBF,
        {
            "email": owner.email,
            "mode": "erasure",
            "scope": "organization",
            "organization": organization.pk,
        },
        format="json",
    )
    assert response.status_code == expected
    assert Membership.objects.filter(user=owner, organization=organization).exists()


def test_nobody_forgets_people_of_an_organization_they_do_not_belong_to():
    _acme, acme_owner = organization_with_owner()
    globex, _globex_owner = organization_with_owner()
    person = UserFactory()
    MembershipFactory(user=person, organization=globex)
    response = token_client(acme_owner).post(
        RTBF,
        {
            "email": person.email,
            "mode": "erasure",
            "scope": "organization",
            "organization": globex.pk,
        },
        format="json",
    )
    assert response.status_code == 404
    assert Membership.objects.filter(user=person, organization=globex).exists()


def test_an_organization_scoped_request_names_its_organization():
    organization, owner = organization_with_owner()
    person = UserFactory()
    MembershipFactory(user=person, organization=organization)
    response = token_client(owner).post(
        RTBF, {"email": person.email, "mode": "erasure", "scope": "organization"}, format="json"
    )
    assert (response.status_code, error_code(response)) == (400, "invalid")
    assert "organization" in response.json()["error"]["fields"]
    assert Membership.objects.filter(user=person, organization=organization).exists()


# --- account-wide erasure: the platform's, staff only by a superuser ------------------------


def test_the_platform_erases_an_account_everywhere():
    acme, _owner = organization_with_owner()
    person = UserFactory(email="gone@example.com")
    person_client = token_client(person)
    MembershipFactory(user=person, organization=acme)
    _history(acme, person)
    response = client_with(HTTP_X_ROOT_KEY=ROOT_KEY).post(
        RTBF, {"email": "gone@example.com", "mode": "erasure"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "erased"
    person.refresh_from_db()
    assert person.email.endswith("@erased.invalid")
    assert not person.is_active
    assert not PersonalToken.objects.filter(user=person).exists()
    assert not _token_works(person_client)
    row = AuditLog.objects.get(organization=acme, action="member.joined")
    assert (row.actor_user_id, row.actor_name, row.details["email"]) == (
        None,
        "erased user",
        "erased user",
    )
    assert AuditLog.objects.filter(organization=acme, action="member.erased").exists()
    assert not AuditLog.objects.filter(target_repr__contains=person.pk).exists()


@pytest.mark.parametrize(
    ("operator", "expected"),
    [("root_key", 403), ("staff", 403), ("superuser", 200)],
)
def test_staff_accounts_are_erased_only_by_a_superuser(operator, expected):
    target = UserFactory(email="staffer@example.com", is_staff=True)
    client = {
        "root_key": lambda: client_with(HTTP_X_ROOT_KEY=ROOT_KEY),
        "staff": lambda: token_client(UserFactory(is_staff=True)),
        "superuser": lambda: token_client(UserFactory(is_staff=True, is_superuser=True)),
    }[operator]()
    response = client.post(RTBF, {"email": "staffer@example.com", "mode": "erasure"}, format="json")
    assert response.status_code == expected, response.content
    target.refresh_from_db()
    assert (target.email == "staffer@example.com") is (expected != 200)


def test_an_organization_api_key_cannot_erase_accounts(as_key_client):
    organization, client = as_key_client
    person = UserFactory(email="kept@example.com")
    MembershipFactory(user=person, organization=organization)
    response = client.post(RTBF, {"email": "kept@example.com", "mode": "erasure"}, format="json")
    assert response.status_code == 403
    assert _untouched(person, "kept@example.com")


@pytest.fixture
def as_key_client():
    from organizations.services.api_keys import api_key_provision

    organization, _owner = organization_with_owner()
    _key, secret = api_key_provision(organization=organization, name="tests")
    return organization, client_with(HTTP_AUTHORIZATION=f"Bearer {secret}")


# --- DELETE /me -----------------------------------------------------------------------------


def test_a_person_erases_their_own_account_with_their_password():
    organization, _owner = organization_with_owner()
    person = UserFactory(email="me@example.com")
    MembershipFactory(user=person, organization=organization)
    client = token_client(person)
    wrong = client.delete("/api/v1/me", {"password": "not my password"}, format="json")
    assert (wrong.status_code, error_code(wrong)) == (403, "invalid_password")
    assert _untouched(person, "me@example.com")
    missing = client.delete("/api/v1/me", {}, format="json")
    assert missing.status_code == 400

    done = client.delete("/api/v1/me", {"password": "correct-horse-battery"}, format="json")

    assert done.status_code == 200, done.content
    assert done.json()["status"] == "erased"
    person.refresh_from_db()
    assert person.email.endswith("@erased.invalid")
    assert not person.is_active
    assert not Membership.objects.filter(user=person).exists()
    assert not _token_works(client)


def test_the_last_owner_cannot_erase_their_own_account():
    organization, owner = organization_with_owner(email="owner@example.com")
    client = token_client(owner)
    response = client.delete("/api/v1/me", {"password": "correct-horse-battery"}, format="json")
    assert (response.status_code, error_code(response)) == (409, "last_owner")
    assert _untouched(owner, "owner@example.com")
    assert Membership.objects.filter(user=owner, organization=organization).exists()


def test_an_api_key_has_no_account_to_erase(as_key_client):
    _organization, client = as_key_client
    response = client.delete("/api/v1/me", {"password": "x"}, format="json")
    assert response.status_code == 404

"""Members: list, filter, add (an invitation unless the platform adds), change role, remove,
leave, transfer ownership."""

import pytest

from memberships.models import Invitation, Membership
from organizations.roles import Role
from tests.api.conftest import error_code
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _url(organization, suffix=""):
    return f"/api/v1/organizations/{organization.pk}/members{suffix}"


def test_every_member_sees_the_members_filtered_and_searched(
    as_user, organization, owner, make_member
):
    member = make_member(organization, Role.MEMBER, email="zed@example.com")
    make_member(organization, Role.ANALYST, email="ann@example.com")
    client = as_user(member)
    assert client.get(_url(organization)).json()["count"] == 3
    analysts = client.get(_url(organization), {"role": "analyst"}).json()["results"]
    assert [row["user"]["email"] for row in analysts] == ["ann@example.com"]
    found = client.get(_url(organization), {"search": "ZED@"}).json()["results"]
    assert [row["id"] for row in found] == [Membership.objects.get(user=member).pk]
    assert client.get(_url(organization), {"role": "king"}).status_code == 400


@pytest.mark.parametrize(
    ("actor_role", "expected"), [(Role.ADMIN, 201), (Role.ANALYST, 403), (Role.MEMBER, 403)]
)
def test_admins_adding_existing_users_invite_them(
    as_user, organization, make_member, actor_role, expected
):
    actor = make_member(organization, actor_role)
    newcomer = UserFactory(email="new@example.com")
    response = as_user(actor).post(
        _url(organization), {"email": "NEW@example.com", "role": "analyst"}, format="json"
    )
    assert response.status_code == expected
    assert not Membership.objects.filter(user=newcomer).exists()
    assert Invitation.objects.filter(email__iexact="new@example.com").exists() is (expected == 201)


def test_the_platform_adding_an_unknown_email_is_404(as_root, organization):
    response = as_root.post(
        _url(organization), {"email": "ghost@example.com", "role": "member"}, format="json"
    )
    assert (response.status_code, error_code(response)) == (404, "user_not_found")


def test_adding_a_member_twice_is_409(as_user, organization, admin_user, make_member):
    member = make_member(organization, Role.MEMBER)
    response = as_user(admin_user).post(
        _url(organization), {"email": member.email, "role": "member"}, format="json"
    )
    assert response.status_code == 409
    assert error_code(response) == "already_a_member"


def test_an_admin_cannot_grant_owner(as_user, organization, owner, admin_user, make_member):
    member = make_member(organization, Role.MEMBER)
    membership = Membership.objects.get(user=member)
    response = as_user(admin_user).patch(
        _url(organization, f"/{membership.pk}"), {"role": "owner"}, format="json"
    )
    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.role == Role.MEMBER


def test_an_owner_changes_roles(as_user, organization, owner, make_member):
    member = make_member(organization, Role.MEMBER)
    membership = Membership.objects.get(user=member)
    response = as_user(owner).patch(
        _url(organization, f"/{membership.pk}"), {"role": "admin"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["role"] == "admin"


def test_the_last_owner_cannot_be_demoted_or_removed(as_user, organization, owner):
    membership = Membership.objects.get(user=owner)
    client = as_user(owner)
    demoted = client.patch(
        _url(organization, f"/{membership.pk}"), {"role": "admin"}, format="json"
    )
    removed = client.delete(_url(organization, f"/{membership.pk}"))
    assert (demoted.status_code, error_code(demoted)) == (409, "last_owner")
    assert (removed.status_code, error_code(removed)) == (409, "last_owner")
    membership.refresh_from_db()
    assert membership.role == Role.OWNER


def test_a_member_may_leave_but_not_remove_others(as_user, organization, owner, make_member):
    member = make_member(organization, Role.MEMBER)
    other = make_member(organization, Role.MEMBER)
    client = as_user(member)
    other_membership = Membership.objects.get(user=other)
    assert client.delete(_url(organization, f"/{other_membership.pk}")).status_code == 403
    own = Membership.objects.get(user=member)
    assert client.delete(_url(organization, f"/{own.pk}")).status_code == 204
    assert not Membership.objects.filter(pk=own.pk).exists()


def test_transfer_of_ownership_makes_the_former_owner_an_admin(
    as_user, organization, owner, make_member
):
    member = make_member(organization, Role.MEMBER)
    target = Membership.objects.get(user=member)
    response = as_user(owner).post(
        f"/api/v1/organizations/{organization.pk}/transfer-ownership",
        {"membership_id": target.pk},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert Membership.objects.get(user=member).role == Role.OWNER
    assert Membership.objects.get(user=owner).role == Role.ADMIN


def test_only_an_owner_transfers_ownership(as_user, organization, owner, admin_user, make_member):
    member = make_member(organization, Role.MEMBER)
    target = Membership.objects.get(user=member)
    response = as_user(admin_user).post(
        f"/api/v1/organizations/{organization.pk}/transfer-ownership",
        {"membership_id": target.pk},
        format="json",
    )
    assert response.status_code == 403
    assert Membership.objects.get(user=owner).role == Role.OWNER

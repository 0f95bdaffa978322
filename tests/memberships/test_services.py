"""Roles and the member rules of the service layer: the last owner, granting above oneself."""

import pytest
from zeal import zeal_ignore

from causeloop.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from memberships.models import Membership, User
from memberships.services.erasure import account_erase, member_erase
from memberships.services.invitations import invitation_create
from memberships.services.members import (
    membership_add,
    membership_change_role,
    membership_remove,
    ownership_transfer,
)
from organizations.roles import Role
from tests.factories import UserFactory


def _membership(user, organization):
    """A fresh copy of the membership (reading it twice in a test is no N+1)."""
    with zeal_ignore():
        return Membership.objects.select_related("organization", "user").get(
            user=user, organization=organization
        )


def test_roles_are_ranked_owner_admin_analyst_member():
    assert Role.OWNER > Role.ADMIN > Role.ANALYST > Role.MEMBER
    assert sorted([Role.ADMIN, Role.MEMBER, Role.OWNER, Role.ANALYST]) == [
        Role.MEMBER,
        Role.ANALYST,
        Role.ADMIN,
        Role.OWNER,
    ]
    assert Role.ADMIN >= "admin"
    assert Role.MEMBER <= Role.ANALYST
    assert max(Role) == Role.OWNER


def test_the_last_owner_cannot_be_removed(organization, owner, admin_user):
    with pytest.raises(Forbidden):  # an admin may not remove an owner at all
        membership_remove(membership=_membership(owner, organization), actor=admin_user)
    with pytest.raises(Conflict) as error:  # nor may the owner leave as the last one
        membership_remove(membership=_membership(owner, organization), actor=owner)
    assert error.value.code == "last_owner"
    assert _membership(owner, organization).role == Role.OWNER


def test_the_last_owner_cannot_be_demoted(organization, owner):
    with pytest.raises(Conflict) as error:
        membership_change_role(
            membership=_membership(owner, organization), actor=owner, role="admin"
        )
    assert error.value.code == "last_owner"
    assert _membership(owner, organization).role == Role.OWNER


def test_an_owner_can_be_demoted_when_another_owner_remains(organization, owner, make_member):
    second = make_member(organization, Role.OWNER)
    membership_change_role(membership=_membership(second, organization), actor=owner, role="member")
    assert _membership(second, organization).role == Role.MEMBER


def test_an_owner_can_leave_when_another_owner_remains(organization, owner, make_member):
    make_member(organization, Role.OWNER)
    membership_remove(membership=_membership(owner, organization), actor=owner)
    assert not Membership.objects.filter(user=owner, organization=organization).exists()


def test_the_last_owner_cannot_be_erased(organization, owner):
    with pytest.raises(Conflict) as error:
        account_erase(email=owner.email, operator=None)
    assert error.value.code == "last_owner"
    owner.refresh_from_db()
    assert owner.is_active
    assert "erased" not in owner.email
    assert _membership(owner, organization).role == Role.OWNER


def test_the_platform_erasing_a_member_anonymises_them_and_removes_their_memberships(
    organization, owner, member
):
    result = account_erase(email=member.email, operator=None)
    member.refresh_from_db()
    assert result["memberships_removed"] == 1
    assert member.email.endswith("@erased.invalid")
    assert not member.is_active
    assert not Membership.objects.filter(user=member).exists()


def test_an_owner_erasing_a_member_only_removes_them_from_the_organization(
    organization, owner, member
):
    email = member.email
    with pytest.raises(Forbidden):
        account_erase(email=email, operator=owner)
    result = member_erase(organization=organization, actor=owner, email=email)
    member.refresh_from_db()
    assert result["memberships_removed"] == 1
    assert (member.email, member.is_active) == (email, True)
    assert not Membership.objects.filter(user=member).exists()


def test_admin_cannot_grant_owner_role(organization, admin_user, member):
    with pytest.raises(Forbidden):
        membership_change_role(
            membership=_membership(member, organization), actor=admin_user, role="owner"
        )
    assert _membership(member, organization).role == Role.MEMBER


def test_analyst_cannot_change_roles_at_all(organization, analyst, member):
    with pytest.raises(Forbidden):
        membership_change_role(
            membership=_membership(member, organization), actor=analyst, role="analyst"
        )
    assert _membership(member, organization).role == Role.MEMBER


def test_admin_can_grant_roles_up_to_admin(organization, admin_user, member):
    membership_change_role(
        membership=_membership(member, organization), actor=admin_user, role="admin"
    )
    assert _membership(member, organization).role == Role.ADMIN


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_nobody_but_the_platform_adds_a_member_directly(organization, make_member, role):
    actor = make_member(organization, role)
    newcomer = UserFactory()
    with pytest.raises(Forbidden):
        membership_add(organization=organization, actor=actor, email=newcomer.email, role="member")
    assert not Membership.objects.filter(user=newcomer).exists()


def test_nobody_invites_as_owner(organization, owner):
    with pytest.raises(ValidationFailed) as error:
        invitation_create(
            organization=organization, actor=owner, email="new@example.com", role="owner"
        )
    assert error.value.code == "invalid_role"


def test_an_unknown_role_is_refused_with_a_clear_message(organization, owner, member):
    with pytest.raises(ValidationFailed) as error:
        membership_change_role(
            membership=_membership(member, organization), actor=owner, role="superuser"
        )
    assert '"superuser" is not a valid role' in error.value.message
    assert _membership(member, organization).role == Role.MEMBER


def test_an_outsider_gets_not_found(organization, member, other_organization, make_member):
    outsider = make_member(other_organization, Role.OWNER)
    with pytest.raises(NotFound):
        membership_change_role(
            membership=_membership(member, organization), actor=outsider, role="admin"
        )


def test_ownership_transfer_makes_the_former_owner_an_admin(organization, owner, member):
    ownership_transfer(
        organization=organization,
        actor=owner,
        membership=_membership(member, organization),
        confirm_slug=organization.slug,
    )
    assert _membership(member, organization).role == Role.OWNER
    assert _membership(owner, organization).role == Role.ADMIN


def test_adding_a_user_without_an_active_membership_makes_it_active(organization, owner):
    newcomer = UserFactory()
    membership = membership_add(
        organization=organization, actor=None, email=newcomer.email, role="analyst"
    )
    assert membership.role == Role.ANALYST
    assert Membership.objects.get(pk=membership.pk).is_active
    assert User.objects.filter(email=newcomer.email).count() == 1

"""The API's named permissions: each admits the roles it names and refuses the rest, reading
the role the organization was resolved with — no query, no change of database context."""

from types import SimpleNamespace

import pytest
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from causeloop.core.errors import Forbidden, NotFound
from causeloop.core.tenancy import current_context
from causeloop.web.api.permissions import (
    CanEditTemplates,
    IsOrgAdmin,
    IsOrgAdminToList,
    IsOrgMember,
    IsOrgOwner,
    IsOrgOwnerToDelete,
    IsPlatformOperator,
)
from causeloop.web.authentication import RootOperator
from organizations.roles import Role
from tests.api.conftest import error_code
from tests.factories import ApiKeyFactory, UserFactory

pytestmark = pytest.mark.django_db


def drf_request(method="get", user=None, auth=None):
    request = Request(getattr(APIRequestFactory(), method)("/"))
    request.user = user
    request.auth = auth
    return request


def check(permission, role, method="get"):
    """The organization permission's verdict for a caller with `role`."""
    view = SimpleNamespace(role=role)
    return permission.has_object_permission(drf_request(method), view, object())


# (the rule, the lowest role it admits, the highest it refuses); every member is a member.
REFUSING = [
    (CanEditTemplates, Role.ANALYST, Role.MEMBER),
    (IsOrgAdmin, Role.ADMIN, Role.ANALYST),
    (IsOrgOwner, Role.OWNER, Role.ADMIN),
]
RULES = [(IsOrgMember, Role.MEMBER, None), *REFUSING]


def test_every_member_reads_templates_only_analysts_write_them():
    assert check(CanEditTemplates(), Role.MEMBER, method="get") is True
    for method in ("post", "patch", "delete"):
        with pytest.raises(Forbidden):
            check(CanEditTemplates(), Role.MEMBER, method=method)
        assert check(CanEditTemplates(), Role.ANALYST, method=method) is True


@pytest.mark.parametrize(("permission", "lowest_allowed", "highest_refused"), RULES)
def test_organization_permission_admits_its_role_and_above(
    permission, lowest_allowed, highest_refused, django_assert_num_queries
):
    before = current_context()
    with django_assert_num_queries(0):
        for role in Role:
            if role >= lowest_allowed:
                assert check(permission(), role) is True
    assert current_context() == before


@pytest.mark.parametrize(("permission", "lowest_allowed", "highest_refused"), REFUSING)
def test_organization_permission_refuses_a_lower_role_with_403(
    permission, lowest_allowed, highest_refused, django_assert_num_queries
):
    before = current_context()
    with django_assert_num_queries(0), pytest.raises(Forbidden) as refused:
        check(permission(), highest_refused, method="post")
    assert refused.value.code == "permission_denied"
    assert refused.value.message == (
        f"This needs the {lowest_allowed.label.lower()} role or higher; "
        f"you are {highest_refused.label.lower()}."
    )
    assert current_context() == before


def test_an_outsider_has_no_role_and_is_not_found():
    with pytest.raises(NotFound):
        check(IsOrgMember(), None)


def test_admins_list_but_anyone_may_ask_to_create():
    assert check(IsOrgAdminToList(), Role.ADMIN, "get") is True
    assert check(IsOrgAdminToList(), Role.MEMBER, "post") is True
    with pytest.raises(Forbidden):
        check(IsOrgAdminToList(), Role.MEMBER, "get")


def test_only_owners_delete_but_admins_read():
    assert check(IsOrgOwnerToDelete(), Role.OWNER, "delete") is True
    assert check(IsOrgOwnerToDelete(), Role.ADMIN, "get") is True
    with pytest.raises(Forbidden):
        check(IsOrgOwnerToDelete(), Role.ADMIN, "delete")


def test_platform_operators_are_the_root_key_and_staff(django_assert_num_queries):
    staff = UserFactory(is_staff=True)
    before = current_context()
    with django_assert_num_queries(0):
        assert IsPlatformOperator().has_permission(drf_request(user=RootOperator()), None)
        assert IsPlatformOperator().has_permission(drf_request(user=staff), None)
    assert current_context() == before  # no platform context entered by checking


def test_members_and_organization_keys_are_no_platform_operators(django_assert_num_queries):
    person = UserFactory()
    api_key = ApiKeyFactory()
    staff = UserFactory(is_staff=True)
    before = current_context()
    with django_assert_num_queries(0):
        assert not IsPlatformOperator().has_permission(drf_request(user=person), None)
        # A staff member's own session carrying an organization's key acts as that key.
        assert not IsPlatformOperator().has_permission(drf_request(user=staff, auth=api_key), None)
    assert current_context() == before


# --- through the API ------------------------------------------------------------------------


def test_a_member_may_not_list_api_keys(organization, member, as_user):
    response = as_user(member).get(f"/api/v1/organizations/{organization.slug}/api-keys")
    assert response.status_code == 403
    assert error_code(response) == "permission_denied"
    assert response.json()["error"]["message"] == (
        "This needs the admin role or higher; you are member."
    )


def test_an_admin_lists_api_keys(organization, admin_user, as_user):
    response = as_user(admin_user).get(f"/api/v1/organizations/{organization.slug}/api-keys")
    assert response.status_code == 200


def test_an_outsider_is_told_the_organization_is_not_found(
    organization, other_organization, make_member, as_user
):
    outsider = make_member(other_organization, Role.OWNER)
    response = as_user(outsider).get(f"/api/v1/organizations/{organization.slug}/api-keys")
    assert response.status_code == 404


def test_an_admin_may_not_delete_the_organization(organization, admin_user, as_user):
    response = as_user(admin_user).delete(f"/api/v1/organizations/{organization.slug}")
    assert response.status_code == 403
    assert error_code(response) == "permission_denied"
    assert response.json()["error"]["message"] == (
        "This needs the owner role or higher; you are admin."
    )

"""PATCH on `/scim/v2/Users/{id}`, above all `active`: false ends the person's access at once
(their token and their session get 404 for the organization on the very next request), true
brings them back with their role through the seat limit; never the organization's last owner."""

import pytest
from zeal import zeal_ignore

from directory.models import DirectoryUser
from memberships.models import Membership
from organizations.models import AuditLog, Organization
from organizations.roles import Role
from tests.api.conftest import token_client
from tests.directory.conftest import new_user, patch_of, scim_error
from tests.factories import MembershipFactory, OrganizationFactory, member_of

pytestmark = pytest.mark.django_db


def _deactivate(scim, user_id, value=False, op="replace"):
    return scim.patch(f"/Users/{user_id}", patch_of({"op": op, "path": "active", "value": value}))


@pytest.fixture
def ada(scim, acme):
    """A person the directory made, with an API token and a signed-in browser of their own."""
    created = scim.post("/Users", new_user("ada@acme.test", displayName="Ada")).json()
    return created["id"], DirectoryUser.objects.get(pk=created["id"]).user


def test_deactivation_ends_access_at_once_and_keeps_the_role(scim, acme, ada, client):
    organization, _owner = acme
    user_id, account = ada
    Membership.objects.filter(organization=organization, user=account).update(role=Role.ANALYST)
    api = token_client(account)
    with zeal_ignore():  # signing in is the test's setup
        client.force_login(account)
    assert api.get(f"/api/v1/organizations/{organization.pk}").status_code == 200
    assert client.get(f"/api/v1/organizations/{organization.pk}").status_code == 200
    assert client.get("/admin/templates/").status_code == 200

    response = _deactivate(scim, user_id)
    assert response.status_code == 200, response.content
    assert response.json()["active"] is False
    assert response.json()["groups"][0]["value"] == "analyst"  # kept for their return
    record = DirectoryUser.objects.get(pk=user_id)
    assert (record.active, record.role) == (False, Role.ANALYST)
    assert not Membership.objects.filter(organization=organization, user=account).exists()
    # The very next requests: the organization is gone for them.
    assert api.get(f"/api/v1/organizations/{organization.pk}").status_code == 404
    assert client.get(f"/api/v1/organizations/{organization.pk}").status_code == 404
    assert client.get("/admin/templates/").status_code == 302  # to set up an organization
    deactivated = AuditLog.objects.get(organization=organization, action="member.deactivated")
    assert deactivated.details == {"email": "ada@acme.test", "role": "analyst"}
    assert deactivated.actor_name.startswith("SCIM token Okta")


def test_reactivation_brings_them_back_with_their_role(scim, acme, ada):
    organization, _owner = acme
    user_id, account = ada
    Membership.objects.filter(organization=organization, user=account).update(role=Role.ADMIN)
    _deactivate(scim, user_id)
    response = _deactivate(scim, user_id, value=True)
    assert response.status_code == 200, response.content
    assert response.json()["active"] is True
    membership = Membership.objects.get(organization=organization, user=account)
    assert membership.role == Role.ADMIN
    assert token_client(account).get(f"/api/v1/organizations/{organization.pk}").status_code == 200
    back = AuditLog.objects.get(organization=organization, action="member.reactivated")
    assert back.details == {"email": "ada@acme.test", "role": "admin", "via": "directory"}


def test_entra_style_operations_deactivate_too(scim, acme, ada):
    """Microsoft Entra sends `Replace` and the boolean as a string."""
    user_id, account = ada
    response = _deactivate(scim, user_id, value="False", op="Replace")
    assert response.status_code == 200, response.content
    assert not Membership.objects.filter(user=account, organization=acme[0]).exists()
    # A path-less replace carrying the attribute in its value.
    response = scim.patch(
        f"/Users/{user_id}", patch_of({"op": "replace", "value": {"active": True}})
    )
    assert response.status_code == 200, response.content
    assert Membership.objects.filter(user=account, organization=acme[0]).exists()


def test_reactivation_past_the_seats_is_refused_and_they_stay_inactive(scim, acme, ada):
    organization, _owner = acme
    user_id, account = ada
    _deactivate(scim, user_id)
    member_of(organization)  # the freed seat is taken
    Organization.objects.filter(pk=organization.pk).update(seats=2)
    detail = scim_error(_deactivate(scim, user_id, value=True), 409)
    assert "seats" in detail
    assert DirectoryUser.objects.get(pk=user_id).active is False
    assert not Membership.objects.filter(organization=organization, user=account).exists()


def test_the_last_owner_is_not_deactivated_but_another_owner_is(scim, acme):
    organization, owner = acme
    taken = scim.post("/Users", new_user(owner.email)).json()
    detail = scim_error(_deactivate(scim, taken["id"]), 409)
    assert "at least one owner" in detail
    assert Membership.objects.get(organization=organization, user=owner).role == Role.OWNER
    assert DirectoryUser.objects.get(pk=taken["id"]).active is True

    member_of(organization, Role.OWNER)
    assert _deactivate(scim, taken["id"]).status_code == 200
    assert not Membership.objects.filter(organization=organization, user=owner).exists()


def test_a_deactivated_person_lands_in_their_next_organization(scim, acme, ada):
    user_id, account = ada
    elsewhere = MembershipFactory(user=account, organization=OrganizationFactory())
    Membership.objects.filter(user=account, organization=acme[0]).update(is_active=True)
    Membership.objects.filter(pk=elsewhere.pk).update(is_active=False)
    _deactivate(scim, user_id)
    elsewhere.refresh_from_db()
    assert elsewhere.is_active


def test_patch_changes_attributes_by_path_and_by_filter(scim, acme, ada):
    user_id, account = ada
    response = scim.patch(
        f"/Users/{user_id}",
        patch_of(
            {"op": "add", "path": "name.givenName", "value": "Augusta Ada"},
            {"op": "add", "path": "emails", "value": [{"value": "ada@home.test", "type": "home"}]},
            {"op": "replace", "path": 'emails[type eq "home"].value', "value": "ada@else.test"},
            {"op": "replace", "path": "displayName", "value": "Ada King"},
            {"op": "add", "path": "externalId", "value": "okta-1"},
        ),
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["name"] == {"givenName": "Augusta Ada"}
    assert body["emails"] == [{"value": "ada@else.test", "type": "home"}]
    assert body["externalId"] == "okta-1"
    account.refresh_from_db()
    assert account.name == "Ada King"  # the account the directory made follows its name
    assert account.email == "ada@acme.test"  # never its address

    response = scim.patch(f"/Users/{user_id}", patch_of({"op": "remove", "path": "displayName"}))
    assert "displayName" not in response.json()
    account.refresh_from_db()
    assert account.name == "Augusta Ada"


@pytest.mark.parametrize(
    ("operations", "scim_type"),
    [
        ([{"op": "remove", "path": "userName"}], "mutability"),
        ([{"op": "replace", "path": "groups", "value": []}], "mutability"),
        ([{"op": "remove"}], "noTarget"),
        ([{"op": "jump", "path": "active", "value": True}], "invalidValue"),
        ([{"op": "replace", "path": "nick[", "value": 1}], "invalidPath"),
        ([{"op": "replace", "path": 'emails[type eq "work"].value', "value": "x@y.test"}], None),
        ([], "invalidValue"),
    ],
)
def test_operations_that_do_not_apply_are_refused_and_change_nothing(
    scim, acme, ada, operations, scim_type
):
    user_id, _account = ada
    before = list(DirectoryUser.objects.values_list("user_name", "attributes", "active"))
    response = scim.patch(f"/Users/{user_id}", patch_of(*operations))
    if scim_type is None:
        # Entra's replace of a filtered value no entry matches creates the entry (POLICY).
        assert response.status_code == 200, response.content
        assert response.json()["emails"] == [{"value": "x@y.test", "type": "work"}]
        return
    scim_error(response, 400, scim_type)
    assert list(DirectoryUser.objects.values_list("user_name", "attributes", "active")) == before

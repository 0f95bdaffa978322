"""`/scim/v2/Users`: creating people (a new account, an existing member taken over, an existing
stranger refused without the company's consent), reading, replacing, deleting them, and what
each change does to their membership, their account and the audit trail."""

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from directory.models import DirectoryUser, Domain
from memberships.models import Membership, User
from organizations.models import AuditLog, Organization
from organizations.roles import Role
from tests.api.conftest import token_client
from tests.directory.conftest import new_user, scim_error
from tests.factories import OrganizationFactory, UserFactory, member_of

pytestmark = pytest.mark.django_db


def _state(organization):
    """What a refused request must leave as it was."""
    return {
        "users": User.objects.count(),
        "records": sorted(
            DirectoryUser.objects.filter(organization=organization).values_list(
                "user_name", "active", "role", "attributes", "external_id"
            )
        ),
        "members": sorted(
            Membership.objects.filter(organization=organization).values_list("user_id", "role")
        ),
        "audit": AuditLog.objects.filter(organization=organization).count(),
    }


def _audit(organization, action):
    return AuditLog.objects.filter(organization=organization, action=action).order_by("-id")


# --- creating --------------------------------------------------------------------------------


def test_a_new_person_gets_an_account_without_password_and_a_membership(
    scim, acme, token_and_secret
):
    organization, _owner = acme
    token = token_and_secret[0]
    response = scim.post(
        "/Users",
        new_user(
            "ada@acme.test",
            externalId="okta-00u1",
            displayName="Ada Lovelace",
            name={"givenName": "Ada", "familyName": "Lovelace"},
            emails=[{"value": "ada@acme.test", "type": "work", "primary": True}],
        ),
    )
    assert response.status_code == 201, response.content
    assert response["Content-Type"] == "application/scim+json"
    body = response.json()
    record = DirectoryUser.objects.get(pk=body["id"])
    assert response["Location"] == f"http://testserver/scim/v2/Users/{record.pk}"
    assert body["userName"] == "ada@acme.test"
    assert body["externalId"] == "okta-00u1"
    assert body["active"] is True
    assert body["emails"] == [{"value": "ada@acme.test", "type": "work", "primary": True}]
    assert body["groups"] == [
        {
            "value": "member",
            "$ref": "http://testserver/scim/v2/Groups/member",
            "display": "Members",
            "type": "direct",
        }
    ]
    assert body["meta"]["resourceType"] == "User"
    assert body["meta"]["created"] == body["meta"]["lastModified"]

    account = record.user
    assert account.email == "ada@acme.test"
    assert account.name == "Ada Lovelace"
    assert not account.has_usable_password()
    assert record.created_account is True
    # The address is proven by the reset link its owner follows to set a password.
    assert not EmailAddress.objects.filter(user=account, verified=True).exists()
    membership = Membership.objects.get(organization=organization, user=account)
    assert membership.role == Role.MEMBER
    assert membership.is_active  # their first organization
    joined = _audit(organization, "member.joined").get()
    assert joined.actor_user is None
    assert joined.actor_name == token.display_name == f"SCIM token Okta (…{token.last_four})"
    assert joined.details == {"email": "ada@acme.test", "role": "member", "via": "directory"}


def test_the_primary_email_is_the_address_when_the_user_name_is_not_one(scim, acme):
    response = scim.post(
        "/Users",
        new_user(
            "00u1abcd",
            emails=[
                {"value": "home@example.org", "type": "home"},
                {"value": "grace@acme.test", "type": "work", "primary": True},
            ],
        ),
    )
    assert response.status_code == 201, response.content
    assert DirectoryUser.objects.get(user_name="00u1abcd").user.email == "grace@acme.test"


def test_a_person_without_any_address_is_refused(scim, acme):
    before = _state(acme[0])
    detail = scim_error(scim.post("/Users", new_user("00u1abcd")), 400, "invalidValue")
    assert "email address" in detail
    assert _state(acme[0]) == before


@pytest.mark.parametrize(
    "body",
    [
        new_user("ada@acme.test", emails=[{"value": "not an address", "primary": True}]),
        new_user(""),
        new_user("x" * 255 + "@acme.test"),
        new_user("ada@acme.test", displayName="tab\tbed"),
        new_user("ada@acme.test", externalId="e" * 256),
        new_user("ada@acme.test", active="maybe"),
        new_user("ada@acme.test", emails=[{"value": f"a{n}@acme.test"} for n in range(21)]),
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]},
    ],
)
def test_bad_attributes_are_refused_and_nothing_changes(scim, acme, body):
    before = _state(acme[0])
    scim_error(scim.post("/Users", body), 400, "invalidValue")
    assert _state(acme[0]) == before


def test_a_taken_user_name_is_refused_whatever_its_case(scim, acme):
    assert scim.post("/Users", new_user("ada@acme.test")).status_code == 201
    before = _state(acme[0])
    detail = scim_error(
        scim.post("/Users", new_user("ADA@acme.test", emails=[{"value": "other@acme.test"}])),
        409,
        "uniqueness",
    )
    assert "already taken" in detail
    assert _state(acme[0]) == before


def test_an_existing_member_is_taken_into_the_directory_as_they_are(scim, acme, token_and_secret):
    organization, _owner = acme
    admin = member_of(organization, Role.ADMIN, email="bob@acme.test", name="Bob Admin")
    response = scim.post("/Users", new_user("bob@acme.test", displayName="Robert"))
    assert response.status_code == 201, response.content
    record = DirectoryUser.objects.get(pk=response.json()["id"])
    assert record.user == admin
    assert record.created_account is False
    assert record.role == Role.ADMIN
    assert response.json()["groups"][0]["value"] == "admin"
    assert Membership.objects.get(organization=organization, user=admin).role == Role.ADMIN
    admin.refresh_from_db()
    assert admin.name == "Bob Admin"  # not the directory's account: its name is the person's
    assert not _audit(organization, "member.joined").exists()
    updated = _audit(organization, "directory_user.updated").get()
    assert updated.actor_name == token_and_secret[0].display_name


def test_an_account_that_is_not_a_member_is_not_added_without_consent(scim, acme):
    organization, _owner = acme
    stranger = UserFactory(email="carol@elsewhere.test")
    before = _state(organization)
    detail = scim_error(scim.post("/Users", new_user("carol@elsewhere.test")), 409, "uniqueness")
    assert "consent" in detail
    assert "invite them" in detail
    assert _state(organization) == before
    assert not Membership.objects.filter(user=stranger).exists()


def test_an_account_on_a_domain_the_organization_verified_is_added(scim, acme):
    organization, _owner = acme
    Domain.objects.create(organization=organization, name="acme.test", verified_at=timezone.now())
    person = UserFactory(email="dave@acme.test")
    response = scim.post("/Users", new_user("dave@acme.test"))
    assert response.status_code == 201, response.content
    assert Membership.objects.get(organization=organization, user=person).role == Role.MEMBER
    assert DirectoryUser.objects.get(user=person).created_account is False


def test_a_domain_verified_by_another_organization_is_no_consent_here(scim, acme):
    Domain.objects.create(
        organization=OrganizationFactory(), name="acme.test", verified_at=timezone.now()
    )
    Domain.objects.create(organization=acme[0], name="acme.test")  # claimed, not verified
    UserFactory(email="dave@acme.test")
    scim_error(scim.post("/Users", new_user("dave@acme.test")), 409, "uniqueness")


def test_a_person_created_inactive_holds_no_seat(scim, acme):
    organization, _owner = acme
    response = scim.post("/Users", new_user("erin@acme.test", active=False))
    assert response.status_code == 201, response.content
    assert response.json()["active"] is False
    record = DirectoryUser.objects.get(pk=response.json()["id"])
    assert not Membership.objects.filter(organization=organization, user=record.user).exists()


def test_a_new_person_past_the_seats_is_refused_and_no_account_is_left(scim, acme):
    organization, _owner = acme
    Organization.objects.filter(pk=organization.pk).update(seats=1)
    before = _state(organization)
    detail = scim_error(scim.post("/Users", new_user("frank@acme.test")), 409)
    assert "seats" in detail
    assert _state(organization) == before
    assert not User.objects.filter(email="frank@acme.test").exists()


# --- reading -----------------------------------------------------------------------------------


def test_a_person_reads_as_created_and_another_id_is_404(scim, acme):
    created = scim.post("/Users", new_user("ada@acme.test", displayName="Ada")).json()
    response = scim.get(f"/Users/{created['id']}")
    assert response.status_code == 200
    assert response.json() == created
    for unknown in ("dus_01jd8x0000000000000000000", "nope", "x" * 300):
        scim_error(scim.get(f"/Users/{unknown}"), 404)


def test_attributes_and_excluded_attributes_shape_the_answer(scim, acme):
    created = scim.post(
        "/Users", new_user("ada@acme.test", displayName="Ada", externalId="e1")
    ).json()
    only = scim.get(f"/Users/{created['id']}?attributes=displayName").json()
    assert set(only) == {"schemas", "id", "displayName"}
    without = scim.get(f"/Users/{created['id']}?excludedAttributes=emails,groups").json()
    assert "emails" not in without
    assert "groups" not in without
    assert without["externalId"] == "e1"
    scim_error(
        scim.get(f"/Users/{created['id']}?attributes=a&excludedAttributes=b"), 400, "invalidValue"
    )


# --- replacing -----------------------------------------------------------------------------------


def test_a_replacement_changes_the_record_and_the_name_of_the_account_it_made(scim, acme):
    organization, _owner = acme
    created = scim.post(
        "/Users",
        new_user("ada@acme.test", displayName="Ada", emails=[{"value": "ada@acme.test"}]),
    ).json()
    response = scim.put(
        f"/Users/{created['id']}",
        new_user(
            "ada.lovelace@acme.test",
            displayName="Ada Lovelace",
            externalId="e2",
            emails=[{"value": "ada.lovelace@acme.test", "primary": True}],
        ),
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["userName"] == "ada.lovelace@acme.test"
    assert body["emails"] == [{"value": "ada.lovelace@acme.test", "primary": True}]
    assert body["active"] is True  # not said: as it was
    assert "name" not in body  # replaced by nothing
    record = DirectoryUser.objects.get(pk=created["id"])
    assert record.user.name == "Ada Lovelace"
    # The directory never changes an account's address.
    assert record.user.email == "ada@acme.test"
    assert _audit(organization, "directory_user.updated").count() == 1


def test_a_replacement_to_a_taken_user_name_is_refused(scim, acme):
    scim.post("/Users", new_user("ada@acme.test"))
    grace = scim.post("/Users", new_user("grace@acme.test")).json()
    before = _state(acme[0])
    scim_error(scim.put(f"/Users/{grace['id']}", new_user("Ada@Acme.test")), 409, "uniqueness")
    assert _state(acme[0]) == before


# --- deleting ------------------------------------------------------------------------------------


def test_deleting_a_person_ends_their_membership_and_keeps_their_account(scim, acme):
    organization, _owner = acme
    created = scim.post("/Users", new_user("ada@acme.test")).json()
    account = DirectoryUser.objects.get(pk=created["id"]).user
    client = token_client(account)
    assert client.get(f"/api/v1/organizations/{organization.pk}").status_code == 200

    response = scim.delete(f"/Users/{created['id']}")
    assert response.status_code == 204
    assert not DirectoryUser.objects.filter(pk=created["id"]).exists()
    assert not Membership.objects.filter(organization=organization, user=account).exists()
    assert User.objects.filter(pk=account.pk).exists()
    assert client.get(f"/api/v1/organizations/{organization.pk}").status_code == 404
    assert _audit(organization, "member.removed").get().details == {
        "email": "ada@acme.test",
        "role": "member",
    }
    assert _audit(organization, "directory_user.deleted").get().target_id == created["id"]
    scim_error(scim.get(f"/Users/{created['id']}"), 404)
    scim_error(scim.delete(f"/Users/{created['id']}"), 404)


def test_the_last_owner_cannot_be_deleted_or_deactivated(scim, acme):
    organization, owner = acme
    taken = scim.post("/Users", new_user(owner.email)).json()
    before = _state(organization)
    detail = scim_error(scim.delete(f"/Users/{taken['id']}"), 409)
    assert "at least one owner" in detail
    scim_error(scim.put(f"/Users/{taken['id']}", new_user(owner.email, active=False)), 409)
    assert _state(organization) == before
    assert Membership.objects.get(organization=organization, user=owner).role == Role.OWNER


# --- the organization's state ----------------------------------------------------------------


def test_a_suspended_organizations_directory_reads_but_does_not_write(scim, acme):
    organization, _owner = acme
    created = scim.post("/Users", new_user("ada@acme.test")).json()
    Organization.objects.filter(pk=organization.pk).update(status=Organization.Status.SUSPENDED)
    before = _state(organization)
    assert scim.get(f"/Users/{created['id']}").status_code == 200
    assert scim.get("/Users").json()["totalResults"] == 1
    for response in (
        scim.post("/Users", new_user("grace@acme.test")),
        scim.put(f"/Users/{created['id']}", new_user("ada@acme.test", active=False)),
        scim.delete(f"/Users/{created['id']}"),
    ):
        assert "suspended" in scim_error(response, 403)
    assert _state(organization) == before

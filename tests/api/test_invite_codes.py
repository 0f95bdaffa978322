"""Invite codes with rules through the API (SPEC §11): `role`, `max_uses`, `email_domain`,
`expires_in_days` in; `uses`, `uses_left` and the state out; the joins they refuse."""

from datetime import timedelta

import pytest
from django.utils import timezone
from zeal import zeal_ignore

from memberships.models import InviteCode, Membership
from organizations.models import AuditLog
from organizations.roles import Role
from tests.api.conftest import assert_refused, database_state, error_code
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _codes_url(organization):
    return f"/api/v1/organizations/{organization.pk}/invite-codes"


def _create(client, organization, body, **headers):
    return client.post(_codes_url(organization), body, format="json", **headers)


def _join(client, code):
    return client.post(f"/api/v1/invite-codes/{code}/join")


def test_a_code_with_rules_is_shown_with_its_uses_and_state(as_user, organization, admin_user):
    client = as_user(admin_user)
    created = _create(
        client,
        organization,
        {"role": "admin", "max_uses": 5, "email_domain": "Acme.com", "expires_in_days": 3},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    code = InviteCode.objects.get()
    assert body == {
        "id": code.pk,
        "code": code.code,
        "role": "admin",
        "max_uses": 5,
        "uses": 0,
        "uses_left": 5,
        "email_domain": "acme.com",
        "state": "active",
        "is_active": True,
        "created_at": body["created_at"],
        "expires_at": body["expires_at"],
    }
    assert abs(code.expires_at - (timezone.now() + timedelta(days=3))) < timedelta(minutes=1)
    with zeal_ignore():
        joined = _join(as_user(UserFactory(email="bo@acme.com")), code.code)
    assert joined.status_code == 201, joined.content
    listed = client.get(_codes_url(organization)).json()["results"]
    assert [(c["id"], c["uses"], c["uses_left"], c["state"]) for c in listed] == [
        (code.pk, 1, 4, "active")
    ]


def test_an_uncapped_code_for_any_address_says_so_with_nulls(as_user, organization, admin_user):
    created = _create(as_user(admin_user), organization, {})
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["role"], body["max_uses"], body["uses_left"], body["email_domain"]) == (
        "member",
        None,
        None,
        None,
    )
    explicit = _create(as_user(admin_user), organization, {"max_uses": None, "email_domain": None})
    assert (explicit.json()["max_uses"], explicit.json()["email_domain"]) == (None, None)


def test_the_joiner_gets_the_codes_role_and_the_audit_says_so(as_user, organization, owner):
    code = _create(as_user(owner), organization, {"role": "analyst"}).json()["code"]
    person = UserFactory()
    with zeal_ignore():
        joined = _join(as_user(person), code)
    assert joined.status_code == 201, joined.content
    assert joined.json()["organization"]["id"] == organization.pk
    assert Membership.objects.get(user=person, organization=organization).role == Role.ANALYST
    row = AuditLog.objects.get(action="member.joined", organization=organization)
    assert row.details["role"] == "analyst"


@pytest.mark.parametrize("caller", ["owner", "admin", "api_key"])
def test_admins_owners_and_keys_grant_up_to_admin_never_owner(
    as_user, as_key, organization, make_member, caller
):
    client = (
        as_key(organization) if caller == "api_key" else as_user(make_member(organization, caller))
    )
    granted = _create(client, organization, {"role": "admin"})
    assert (granted.status_code, granted.json()["role"]) == (201, "admin")
    before = database_state()
    refused = _create(client, organization, {"role": "owner"})
    error = assert_refused(refused, 400, code="invalid")
    assert "role" in error["fields"]
    assert database_state() == before


@pytest.mark.parametrize("role", [Role.ANALYST, Role.MEMBER])
def test_analysts_and_members_create_and_list_no_codes(as_user, organization, make_member, role):
    client = as_user(make_member(organization, role))
    before = database_state()
    response = _create(client, organization, {"role": "member", "max_uses": 2})
    assert (response.status_code, error_code(response)) == (403, "permission_denied")
    assert client.get(_codes_url(organization)).status_code == 403
    assert database_state() == before


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"max_uses": 0}, "invalid"),
        ({"max_uses": -3}, "invalid"),
        ({"max_uses": "5"}, "invalid"),
        ({"max_uses": True}, "invalid"),
        ({"max_uses": 1.5}, "invalid"),
        ({"max_uses": 100_001}, "invalid"),
        ({"email_domain": "not a domain"}, "invalid_domain"),
        ({"email_domain": "192.168.0.1"}, "invalid_domain"),
        ({"email_domain": 7}, "invalid"),
        ({"email_domain": "a" * 254}, "invalid"),
        ({"role": "boss"}, "invalid"),
        ({"role": ["admin"]}, "invalid"),
        ({"expires_in_days": 0}, "invalid"),
        ({"expires_in_days": "7"}, "invalid"),
        ({"uses": 3}, "invalid"),
    ],
)
def test_bad_rules_are_400_naming_the_field_and_change_nothing(
    as_user, organization, admin_user, body, code
):
    client = as_user(admin_user)
    before = database_state()
    error = assert_refused(_create(client, organization, body), 400, code=code)
    assert set(body) <= set(error["fields"]), error
    assert database_state() == before


def test_a_join_from_another_domain_is_403_and_changes_nothing(as_user, organization, admin_user):
    code = _create(as_user(admin_user), organization, {"email_domain": "acme.com"}).json()["code"]
    outsider = as_user(UserFactory(email="eve@evil.test"))
    before = database_state()
    refused = _join(outsider, code)
    error = assert_refused(refused, 403, code="invite_code_domain_mismatch")
    assert error["fields"] == {"code": ["This invite code is only for addresses at acme.com."]}
    assert database_state() == before
    with zeal_ignore():
        assert _join(as_user(UserFactory(email="Ann@ACME.COM")), code).status_code == 201


def test_a_used_up_code_is_410_and_a_refused_join_takes_no_use(as_user, organization, admin_user):
    code = _create(as_user(admin_user), organization, {"max_uses": 2}).json()["code"]
    first = as_user(UserFactory())
    with zeal_ignore():
        assert _join(first, code).status_code == 201
    again = _join(first, code)  # already a member: refused, and no use taken
    assert (again.status_code, error_code(again)) == (409, "already_a_member")
    assert InviteCode.objects.get(code=code).uses == 1
    with zeal_ignore():
        assert _join(as_user(UserFactory()), code).status_code == 201
    latecomer = as_user(UserFactory())
    before = database_state()
    late = _join(latecomer, code)
    assert_refused(late, 410, code="invite_code_used_up")
    assert database_state() == before
    listed = as_user(admin_user).get(_codes_url(organization)).json()["results"][0]
    assert (listed["uses"], listed["uses_left"], listed["state"]) == (2, 0, "used_up")


def test_the_state_shows_expired_and_deactivated_codes(as_user, organization, admin_user):
    client = as_user(admin_user)
    ended = _create(client, organization, {}).json()
    InviteCode.objects.filter(pk=ended["id"]).update(expires_at=timezone.now())
    gone = _create(client, organization, {}).json()
    assert client.delete(f"{_codes_url(organization)}/{gone['id']}").status_code == 204
    states = {c["id"]: c["state"] for c in client.get(_codes_url(organization)).json()["results"]}
    assert states == {ended["id"]: "expired", gone["id"]: "deactivated"}


def test_a_retried_create_with_an_idempotency_key_makes_one_code(as_user, organization, admin_user):
    client = as_user(admin_user)
    body = {"role": "analyst", "max_uses": 4, "email_domain": "acme.com"}
    first = _create(client, organization, body, HTTP_IDEMPOTENCY_KEY="codes-1")
    again = _create(client, organization, body, HTTP_IDEMPOTENCY_KEY="codes-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    other = _create(client, organization, {**body, "max_uses": 5}, HTTP_IDEMPOTENCY_KEY="codes-1")
    assert (other.status_code, error_code(other)) == (409, "idempotency_key_reused")
    assert InviteCode.objects.count() == 1

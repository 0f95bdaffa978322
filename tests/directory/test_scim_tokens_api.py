"""`/api/v1/organizations/{org}/scim-tokens`: admins, owners and API keys list, create (the
token shown once, never stored in the clear) and revoke SCIM tokens; analysts and members are
refused; every change is audited."""

import pytest

from causeloop.core.crypto import keyed_hash
from directory.models import ScimToken
from directory.services.scim_tokens import MAX_USABLE_TOKENS, scim_token_create
from organizations.models import AuditLog
from organizations.roles import Role
from tests.api.conftest import assert_refused
from tests.directory.conftest import ScimClient
from tests.factories import member_of

pytestmark = pytest.mark.django_db


def _path(organization, suffix=""):
    return f"/api/v1/organizations/{organization.slug}/scim-tokens{suffix}"


@pytest.mark.parametrize("caller", ["owner", "admin", "api_key"])
def test_admins_owners_and_api_keys_create_list_and_revoke(as_user, as_key, acme, caller):
    organization, _owner = acme
    client = (
        as_key(organization)
        if caller == "api_key"
        else as_user(member_of(organization, Role(caller)))
    )
    response = client.post(_path(organization), {"name": "Okta"}, format="json")
    assert response.status_code == 201, response.content
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    secret = body["token"]
    assert secret.startswith("scim_")
    assert len(secret) >= 40
    assert body["fingerprint"] == secret[-4:]
    assert body["scim_base_url"] == "http://testserver/scim/v2/"
    assert body["revoked"] is False
    token = ScimToken.objects.get(pk=body["id"])
    assert token.key_hash == keyed_hash(secret)  # only its keyed hash is kept
    assert token.created_by_id == (None if caller == "api_key" else body["created_by"])
    created = AuditLog.objects.get(organization=organization, action="scim_token.created")
    assert created.details == {"name": "Okta", "fingerprint": secret[-4:]}
    assert ScimClient(secret).get("/Users").status_code == 200

    listed = client.get(_path(organization)).json()
    assert listed["count"] == 1
    assert listed["results"][0]["id"] == token.pk
    assert "token" not in listed["results"][0]
    assert secret not in str(listed)

    assert client.delete(_path(organization, f"/{token.pk}")).status_code == 204
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditLog.objects.get(organization=organization, action="scim_token.revoked").details == {
        "name": "Okta",
        "fingerprint": secret[-4:],
    }
    assert ScimClient(secret).get("/Users").status_code == 401
    # Revoking again changes nothing.
    assert client.delete(_path(organization, f"/{token.pk}")).status_code == 204
    assert AuditLog.objects.filter(action="scim_token.revoked").count() == 1


@pytest.mark.parametrize("role", [Role.MEMBER, Role.ANALYST])
def test_members_and_analysts_are_refused(as_user, acme, role):
    organization, owner = acme
    token, _secret = scim_token_create(organization=organization, actor=owner, name="Okta")
    client = as_user(member_of(organization, role))
    assert_refused(client.get(_path(organization)), 403, "permission_denied")
    assert_refused(
        client.post(_path(organization), {"name": "Mine"}, format="json"), 403, "permission_denied"
    )
    assert_refused(client.delete(_path(organization, f"/{token.pk}")), 403, "permission_denied")
    assert ScimToken.objects.count() == 1
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize(
    "body",
    [{}, {"name": ""}, {"name": 5}, {"name": "x" * 201}, {"name": "ok", "scopes": []}, []],
)
def test_bad_input_is_refused_and_nothing_is_made(as_user, acme, body):
    organization, owner = acme
    response = as_user(owner).post(_path(organization), body, format="json")
    assert_refused(response, 400, "invalid")
    assert not ScimToken.objects.exists()
    assert not AuditLog.objects.filter(action="scim_token.created").exists()


def test_a_retried_creation_with_its_idempotency_key_replays_the_same_token(as_user, acme):
    organization, owner = acme
    client = as_user(owner)
    first = client.post(
        _path(organization), {"name": "Okta"}, format="json", HTTP_IDEMPOTENCY_KEY="once"
    )
    again = client.post(
        _path(organization), {"name": "Okta"}, format="json", HTTP_IDEMPOTENCY_KEY="once"
    )
    assert first.status_code == again.status_code == 201
    assert again.json()["token"] == first.json()["token"]
    assert "no-store" in again["Cache-Control"]
    assert ScimToken.objects.count() == 1


def test_the_number_of_usable_tokens_is_capped(as_user, acme):
    organization, owner = acme
    for n in range(MAX_USABLE_TOKENS):
        scim_token_create(organization=organization, actor=owner, name=f"t{n}")
    client = as_user(owner)
    response = client.post(_path(organization), {"name": "one more"}, format="json")
    assert_refused(response, 409, "scim_token_limit")
    first = ScimToken.objects.order_by("created_at").first()
    client.delete(_path(organization, f"/{first.pk}"))
    assert client.post(_path(organization), {"name": "one more"}, format="json").status_code == 201


def test_unknown_token_ids_are_404(as_user, acme):
    organization, owner = acme
    for token_id in ("sct_01jd8x0000000000000000000", "nope", "x" * 70):
        response = as_user(owner).delete(_path(organization, f"/{token_id}"))
        assert_refused(response, 404, "not_found")

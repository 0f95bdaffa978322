"""`/organizations/{org}/integrations`: every member reads them, admins, owners and API keys
write them, the plan caps how many, and the credential goes in once and never comes back out —
not in any response, not in the database in the clear."""

import json

import pytest

from causeloop.models import IdempotencyRecord
from organizations.models import AuditLog, Event, Integration
from organizations.services.integrations import integration_secret
from tests.api.conftest import assert_refused, database_state, error_code
from tests.api.usage_data import CALLERS, WRITERS, client_for, make_integration, roomy

pytestmark = pytest.mark.django_db

SECRET = "sk-live-Secret0123456789wxyz"
FIELDS = {
    "id",
    "name",
    "kind",
    "fingerprint",
    "created_by",
    "created_at",
    "updated_at",
    "credential_changed_at",
}


def _url(organization, suffix=""):
    return f"/api/v1/organizations/{organization.pk}/integrations{suffix}"


@pytest.fixture
def caller_client(as_user, as_key, make_member, organization):
    def make(caller):
        return client_for(
            caller, organization, as_user=as_user, as_key=as_key, make_member=make_member
        )

    return make


def _assert_no_secret(response, secret=SECRET):
    assert secret not in response.content.decode()
    assert "credential" not in json.dumps(response.json()).replace("credential_changed_at", "")


# --- roles ------------------------------------------------------------------------------------


@pytest.mark.parametrize("caller", CALLERS)
def test_every_member_and_api_key_reads_integrations(caller_client, organization, caller):
    integration = make_integration(organization, secret=SECRET)
    client = caller_client(caller)
    listed = client.get(_url(organization))
    assert listed.status_code == 200, listed.content
    assert [row["id"] for row in listed.json()["results"]] == [integration.pk]
    assert set(listed.json()["results"][0]) == FIELDS
    shown = client.get(_url(organization, f"/{integration.pk}"))
    assert shown.status_code == 200
    assert shown.json()["fingerprint"] == "wxyz"
    assert shown.json()["kind"] == "openai"
    _assert_no_secret(listed)
    _assert_no_secret(shown)


@pytest.mark.parametrize("caller", CALLERS)
def test_only_admins_owners_and_api_keys_add_integrations(caller_client, organization, caller):
    client = caller_client(caller)
    before = database_state()
    response = client.post(
        _url(organization),
        {"name": "Anthropic", "kind": "anthropic", "credential": SECRET},
        format="json",
    )
    if caller in WRITERS:
        assert response.status_code == 201, response.content
        assert set(response.json()) == FIELDS
        assert response.json()["fingerprint"] == "wxyz"
        _assert_no_secret(response)
        integration = Integration.objects.get(organization=organization)
        assert integration.name == "Anthropic"
        assert integration_secret(integration) == SECRET
    else:
        assert_refused(response, status=403, code="permission_denied")
        assert database_state() == before


@pytest.mark.parametrize("caller", CALLERS)
def test_only_admins_owners_and_api_keys_change_integrations(caller_client, organization, caller):
    integration = make_integration(organization, name="Before")
    response = caller_client(caller).patch(
        _url(organization, f"/{integration.pk}"), {"name": "After"}, format="json"
    )
    integration.refresh_from_db()
    if caller in WRITERS:
        assert response.status_code == 200, response.content
        assert response.json()["name"] == integration.name == "After"
    else:
        assert_refused(response, status=403, code="permission_denied")
        assert integration.name == "Before"


@pytest.mark.parametrize("caller", CALLERS)
def test_only_admins_owners_and_api_keys_remove_integrations(caller_client, organization, caller):
    integration = make_integration(organization)
    response = caller_client(caller).delete(_url(organization, f"/{integration.pk}"))
    exists = Integration.objects.filter(pk=integration.pk).exists()
    if caller in WRITERS:
        assert response.status_code == 204, response.content
        assert not exists
        assert AuditLog.objects.filter(action="integration.deleted").count() == 1
    else:
        assert_refused(response, status=403, code="permission_denied")
        assert exists


def test_a_member_is_refused_before_the_body_is_looked_at(caller_client, organization):
    response = caller_client("member").post(
        _url(organization), {"name": 12, "kind": "nope"}, format="json"
    )
    assert_refused(response, status=403, code="permission_denied")


def test_no_credentials_is_401(anonymous, organization):
    assert anonymous.get(_url(organization)).status_code == 401


# --- the secret -------------------------------------------------------------------------------


def test_the_secret_is_never_returned_nor_stored_in_the_clear(caller_client, organization):
    roomy(organization)
    client = caller_client("admin")
    created = client.post(
        _url(organization),
        {"name": "OpenAI", "kind": "openai", "credential": SECRET},
        format="json",
        HTTP_IDEMPOTENCY_KEY="add-openai",
    )
    assert created.status_code == 201
    replayed = client.post(
        _url(organization),
        {"name": "OpenAI", "kind": "openai", "credential": SECRET},
        format="json",
        HTTP_IDEMPOTENCY_KEY="add-openai",
    )
    assert replayed.json() == created.json()
    path = _url(organization, f"/{created.json()['id']}")
    new_secret = "sk-live-Rotated987654321zyxw"
    changed = client.patch(path, {"credential": new_secret}, format="json")
    responses = [created, replayed, client.get(_url(organization)), client.get(path), changed]
    for response in responses:
        _assert_no_secret(response)
        _assert_no_secret(response, new_secret)
    assert changed.json()["fingerprint"] == "zyxw"
    integration = Integration.objects.get(pk=created.json()["id"])
    stored = bytes(integration.credential)
    assert SECRET.encode() not in stored
    assert new_secret.encode() not in stored
    assert new_secret[:-4].encode() not in stored
    assert integration_secret(integration) == new_secret
    # Nor in the trail, the events or the stored idempotent response.
    trail = json.dumps(
        [
            list(AuditLog.objects.values_list("details", flat=True)),
            list(Event.objects.values_list("data", flat=True)),
        ]
    )
    assert SECRET not in trail
    assert new_secret not in trail
    for record in IdempotencyRecord.objects.all():
        assert SECRET.encode() not in bytes(record.response_body)


# --- what a PATCH changes ---------------------------------------------------------------------


def _state(integration):
    integration.refresh_from_db()
    return (
        integration.name,
        integration.kind,
        bytes(integration.credential),
        integration.last_four,
        integration.credential_changed_at,
    )


def test_a_rename_keeps_the_credential(caller_client, organization):
    integration = make_integration(organization, name="Old", secret=SECRET)
    _name, kind, credential, last_four, changed_at = _state(integration)
    response = caller_client("admin").patch(
        _url(organization, f"/{integration.pk}"), {"name": "New"}, format="json"
    )
    assert response.status_code == 200
    assert _state(integration) == ("New", kind, credential, last_four, changed_at)


def test_a_new_credential_keeps_the_name(caller_client, organization):
    integration = make_integration(organization, name="Keep", secret=SECRET)
    _name, kind, credential, _last_four, changed_at = _state(integration)
    response = caller_client("owner").patch(
        _url(organization, f"/{integration.pk}"),
        {"credential": "another-secret-value-9876"},
        format="json",
    )
    assert response.status_code == 200
    after = _state(integration)
    assert after[:2] == ("Keep", kind)
    assert after[2] != credential
    assert after[3] == "9876" == response.json()["fingerprint"]
    assert after[4] > changed_at
    assert integration_secret(integration) == "another-secret-value-9876"


def test_an_empty_patch_changes_nothing(caller_client, organization):
    integration = make_integration(organization)
    before, trail = _state(integration), AuditLog.objects.count()
    response = caller_client("admin").patch(
        _url(organization, f"/{integration.pk}"), {}, format="json"
    )
    assert response.status_code == 200
    assert _state(integration) == before
    assert AuditLog.objects.count() == trail


def test_the_kind_cannot_be_patched(caller_client, organization):
    integration = make_integration(organization)
    before = _state(integration)
    response = caller_client("admin").patch(
        _url(organization, f"/{integration.pk}"), {"kind": "aws"}, format="json"
    )
    error = assert_refused(response, code="invalid")
    assert "kind" in error["fields"]
    assert _state(integration) == before


# --- conflicts --------------------------------------------------------------------------------


def test_the_plans_providers_limit_is_a_409(caller_client, organization):
    make_integration(organization)  # the free plan allows one
    client = caller_client("admin")
    before = database_state()
    response = client.post(
        _url(organization), {"name": "Second", "kind": "aws", "credential": SECRET}, format="json"
    )
    error = assert_refused(response, status=409, code="provider_limit_reached")
    assert error["fields"] == {"limit": ["1"]}
    assert database_state() == before


def test_a_taken_name_is_a_409_in_any_case(caller_client, organization):
    roomy(organization)
    make_integration(organization, name="Production")
    other = make_integration(organization, name="Staging")
    client = caller_client("admin")
    before = database_state()
    created = client.post(
        _url(organization),
        {"name": "PRODUCTION", "kind": "gcp", "credential": SECRET},
        format="json",
    )
    assert_refused(created, status=409, code="integration_name_taken")
    renamed = client.patch(
        _url(organization, f"/{other.pk}"), {"name": "production"}, format="json"
    )
    assert_refused(renamed, status=409, code="integration_name_taken")
    assert database_state() == before
    other.refresh_from_db()
    assert other.name == "Staging"


# --- bad input --------------------------------------------------------------------------------

VALID = {"name": "OpenAI", "kind": "openai", "credential": SECRET}
BAD_BODIES = {
    "name a number": {**VALID, "name": 42},
    "name a list": {**VALID, "name": ["OpenAI"]},
    "name empty": {**VALID, "name": ""},
    "name too long": {**VALID, "name": "n" * 201},
    "name missing": {"kind": "openai", "credential": SECRET},
    "unknown kind": {**VALID, "kind": "openaii"},
    "kind a number": {**VALID, "kind": 3},
    "kind null": {**VALID, "kind": None},
    "kind missing": {"name": "OpenAI", "credential": SECRET},
    "credential empty": {**VALID, "credential": ""},
    "credential blank": {**VALID, "credential": "        "},
    "credential too short": {**VALID, "credential": "short"},
    "credential oversized": {**VALID, "credential": "k" * 10_001},
    "credential a number": {**VALID, "credential": 12345678},
    "credential an object": {**VALID, "credential": {"key": SECRET}},
    "credential null": {**VALID, "credential": None},
    "credential with a line break": {**VALID, "credential": "sk-live\n0123456789"},
    "credential missing": {"name": "OpenAI", "kind": "openai"},
    "unknown field": {**VALID, "secret": SECRET},
}


@pytest.mark.parametrize("body", list(BAD_BODIES.values()), ids=list(BAD_BODIES))
def test_a_bad_integration_is_refused_and_changes_nothing(caller_client, organization, body):
    client = caller_client("owner")
    before = database_state()
    response = client.post(_url(organization), body, format="json")
    error = assert_refused(response, code="invalid")
    assert error["fields"]
    assert database_state() == before


@pytest.mark.parametrize(
    "body",
    [
        {"name": 1},
        {"name": ""},
        {"name": None},
        {"credential": ""},
        {"credential": "short"},
        {"credential": "k" * 10_001},
        {"credential": None},
        {"credential": ["x" * 10]},
    ],
    ids=str,
)
def test_a_bad_change_is_refused_and_changes_nothing(caller_client, organization, body):
    integration = make_integration(organization)
    client = caller_client("admin")
    before, state = database_state(), _state(integration)
    response = client.patch(_url(organization, f"/{integration.pk}"), body, format="json")
    assert_refused(response, code="invalid")
    assert database_state() == before
    assert _state(integration) == state


@pytest.mark.parametrize(
    "raw",
    [
        '{"name": "OpenAI", "kind": "openai", "credential": "sk-live-\\u0000-0123456789"}',
        '{"name": "Open\\u0000AI", "kind": "openai", "credential": "sk-live-0123456789"}',
        '{"name": "OpenAI", "kind": "openai\\u0000", "credential": "sk-live-0123456789"}',
    ],
)
def test_nul_characters_are_refused_at_the_boundary(caller_client, organization, raw):
    client = caller_client("admin")
    before = database_state()
    response = client.post(_url(organization), raw, content_type="application/json")
    assert_refused(response)
    assert database_state() == before


@pytest.mark.parametrize("reference", ["int_nothing", "x" * 300, "int_01" + "z" * 24, "-1"])
def test_an_integration_that_does_not_exist_is_404(caller_client, organization, reference):
    client = caller_client("admin")
    for method, body in (("get", None), ("patch", {"name": "X"}), ("delete", None)):
        response = getattr(client, method)(_url(organization, f"/{reference}"), body, format="json")
        assert response.status_code == 404, (method, response.content)
        assert error_code(response) == "not_found"

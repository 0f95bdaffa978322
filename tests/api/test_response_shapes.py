"""The typed answers of the data export and of erasure hold exactly what the services return,
key by key, nested lists too: the export's download is the document the service writes and its
serializers only describe it, so a key added to one and not the other fails here. Real answers
of these operations, and of `GET /me` with its nullable parts null, keep to the OpenAPI
document."""

import io
import json

import pytest
from rest_framework import serializers

from causeloop.web.api.erasure import ErasureResultSerializer
from causeloop.web.api.exports import DataExportSerializer, OrganizationExportSerializer
from memberships.services.erasure import account_erase, member_erase
from memberships.services.invitations import invitation_create
from memberships.services.tokens import personal_token_create
from organizations.models import Organization
from organizations.roles import Role
from organizations.services.api_keys import api_key_create, api_key_provision
from organizations.services.export import export_write
from organizations.services.runs import run_start
from tests.api import test_schema
from tests.api.conftest import ROOT_KEY
from tests.api.schema_runs import CHECKS
from tests.api.usage_data import make_integration
from tests.factories import MembershipFactory, TemplateFactory, UserFactory

pytestmark = pytest.mark.django_db

# The document loaded from the app, its requests sent to the app in this process.
api_schema = test_schema.api_schema


def assert_same_keys(data, serializer, where="answer"):
    """`data` has exactly `serializer`'s fields, and so has every nested object and every item
    of a nested list (none of which may be empty: an empty list proves nothing)."""
    assert isinstance(data, dict), where
    fields = serializer.fields
    assert set(data) == set(fields), f"{where}: {sorted(set(data) ^ set(fields))} differ"
    for name, field in fields.items():
        value = data[name]
        if isinstance(field, serializers.ListSerializer):
            assert value, f"{where}.{name} is empty: nothing to compare"
            for index, item in enumerate(value):
                assert_same_keys(item, field.child, f"{where}.{name}[{index}]")
        elif isinstance(field, serializers.Serializer) and value is not None:
            assert_same_keys(value, field, f"{where}.{name}")


@pytest.fixture
def full_organization(organization, owner, make_member):
    """An organization with a row of every kind its export lists."""
    make_member(organization, Role.ANALYST)
    invitation_create(
        organization=organization, actor=owner, email="invited@example.com", role=Role.MEMBER
    )
    api_key_create(organization=organization, actor=owner, name="CI")
    TemplateFactory(organization=organization)
    make_integration(organization)
    run_start(organization=organization, actor=owner)  # a usage day
    return organization


def test_the_exported_document_has_every_key_its_schema_names_and_no_other(
    as_user, full_organization, owner
):
    client = as_user(owner)
    response = client.post(
        "/api/v1/gdpr/export-requests", {"organization": full_organization.slug}, format="json"
    )
    assert response.status_code == 202
    assert_same_keys(response.json(), DataExportSerializer(), "export request")
    download = client.get(response.json()["links"]["download"])
    assert download.status_code == 200
    assert_same_keys(
        json.loads(b"".join(download.streaming_content)), OrganizationExportSerializer()
    )


def test_the_export_service_writes_what_the_schema_describes(full_organization, owner):
    out = io.StringIO()
    export_write(full_organization, out)
    data = json.loads(out.getvalue())
    assert_same_keys(data, OrganizationExportSerializer())
    assert {member["role"] for member in data["members"]} == {"owner", "analyst"}
    assert [invitation["state"] for invitation in data["invitations"]] == ["pending"]


def test_each_erasure_returns_what_its_schema_describes(organization, owner, make_member):
    make_member(organization, Role.MEMBER, email="leaving@example.com")
    in_organization = member_erase(
        organization=organization, actor=owner, email="leaving@example.com"
    )
    assert_same_keys(in_organization, ErasureResultSerializer())
    UserFactory(email="gone@example.com")
    everywhere = account_erase(email="gone@example.com", operator=None)
    assert_same_keys(everywhere, ErasureResultSerializer())


# --- real answers against the document ----------------------------------------------------


def _validated(api_schema, label, *, headers, body=None, path_parameters=None):
    """Send one request as the document describes `label`, and check its answer against it."""
    method, path = label.split(" ", 1)
    case = api_schema[path][method].Case(
        **({"body": body, "media_type": "application/json"} if body is not None else {}),
        **({"path_parameters": path_parameters} if path_parameters else {}),
    )
    response = case.call_and_validate(headers=headers, checks=CHECKS)
    return response


def _bearer(user):
    _token, secret = personal_token_create(user=user)
    return {"Authorization": f"Bearer {secret}"}


def test_the_export_and_erasure_answers_keep_to_the_document(api_schema):
    organization = Organization.objects.create(name="Acme", slug="acme")
    owner = UserFactory()
    MembershipFactory(user=owner, organization=organization, role=Role.OWNER, is_active=True)
    leaving = UserFactory(email="leaving@example.com")
    MembershipFactory(user=leaving, organization=organization)
    TemplateFactory(organization=organization)
    make_integration(organization)
    owner_headers = _bearer(owner)

    export = _validated(
        api_schema,
        "POST /api/v1/gdpr/export-requests",
        headers=owner_headers,
        body={"organization": "acme"},
    )
    assert export.status_code == 202
    exported = {"export_id": export.json()["id"]}
    followed = _validated(
        api_schema,
        "GET /api/v1/gdpr/export-requests/{export_id}",
        headers=owner_headers,
        path_parameters=exported,
    )
    assert followed.json()["state"] == "ready"
    document = _validated(
        api_schema,
        "GET /api/v1/gdpr/export-requests/{export_id}/download",
        headers=owner_headers,
        path_parameters=exported,
    )
    assert document.json()["organization"]["slug"] == "acme"
    forget = {"email": "leaving@example.com", "mode": "erasure", "scope": "organization"}
    forgotten = _validated(
        api_schema,
        "POST /api/v1/governance/rtbf/requests",
        headers=owner_headers,
        body={**forget, "organization": "acme"},
    )
    assert forgotten.json()["scope"] == "organization"
    UserFactory(email="gone@example.com")
    erased = _validated(
        api_schema,
        "POST /api/v1/governance/rtbf/requests",
        headers={"X-Root-Key": ROOT_KEY},
        body={"email": "gone@example.com", "mode": "erasure"},
    )
    assert erased.json()["scope"] == "account"
    mine = _validated(
        api_schema,
        "DELETE /api/v1/me",
        headers=_bearer(leaving),
        body={"password": "correct-horse-battery"},
    )
    assert mine.json()["status"] == "erased"


def test_me_with_its_nullable_parts_null_keeps_to_the_document(api_schema):
    organization = Organization.objects.create(name="Acme", slug="acme")
    _key, secret = api_key_provision(organization=organization, name="me")
    as_key = _validated(api_schema, "GET /api/v1/me", headers={"X-API-Key": secret})
    assert as_key.json()["user"] is None
    nobody = _validated(api_schema, "GET /api/v1/me", headers=_bearer(UserFactory()))
    assert nobody.json()["active_organization"] is None

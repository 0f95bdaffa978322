"""The SCIM-token operations keep to the OpenAPI document in a real organization: schemathesis
generates requests that reach `acme` and its token (created, refused past the limit, listed,
revoked), and checks every answer against the document, as tests/api/test_schema.py does for
the whole API."""

import pytest

from directory.services.scim_tokens import scim_token_create
from memberships.models import User
from organizations.models import Organization
from tests.api.schema_runs import Known, operations_under, run_in_organization
from tests.api.test_schema import api_schema, credentials  # noqa: F401

pytestmark = pytest.mark.django_db

TOKENS = "/api/v1/organizations/{org}/scim-tokens"


def test_the_scim_token_operations_keep_to_their_schema_in_a_real_organization(
    api_schema,  # noqa: F811
    credentials,  # noqa: F811
    monkeypatch,
):
    organization = Organization.objects.get(slug="acme")
    owner = User.objects.get(email="owner@acme.test")
    monkeypatch.setattr("directory.services.scim_tokens.MAX_USABLE_TOKENS", 2)
    token, _secret = scim_token_create(organization=organization, actor=owner, name="Okta")
    real = {"org": "acme", "token_id": token.pk}
    operations = operations_under(api_schema, "/scim-tokens")
    assert [operation.label for operation in operations] == [
        f"GET {TOKENS}",
        f"POST {TOKENS}",
        f"DELETE {TOKENS}/{{token_id}}",
    ]
    # Known-good requests first: a token made, the next one past the limit.
    known: Known = {
        f"POST {TOKENS}": [({}, {"name": "Entra ID"}), ({}, {"name": "over the limit"})]
    }
    seen = run_in_organization(operations, real=real, credentials=credentials, known=known)
    assert {
        (f"GET {TOKENS}", 200),
        (f"POST {TOKENS}", 201),
        (f"POST {TOKENS}", 409),
        (f"DELETE {TOKENS}/{{token_id}}", 204),
    } <= seen

"""The SCIM-token operations keep to the OpenAPI document in a real organization: schemathesis
generates requests that reach `acme` and its token (created, refused past the limit, listed,
revoked), and checks every answer against the document, as tests/api/test_schema.py does for
the whole API."""

import re

import pytest
from hypothesis import given, settings
from hypothesis.strategies import just

from directory.services.scim_tokens import scim_token_create
from memberships.models import User
from organizations.models import Organization
from tests.api.test_schema import CHECKS, EXAMPLES, api_schema, credentials  # noqa: F401

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
    operations = sorted(
        (r.ok() for r in api_schema.get_all_operations() if "/scim-tokens" in r.ok().path),
        key=lambda operation: operation.method.upper() == "DELETE",
    )
    assert [operation.label for operation in operations] == [
        f"GET {TOKENS}",
        f"POST {TOKENS}",
        f"DELETE {TOKENS}/{{token_id}}",
    ]
    # Known-good requests first: a token made, the next one past the limit.
    seen: set[tuple[str, int]] = set()
    for body in ({"name": "Entra ID"}, {"name": "over the limit"}):
        case = operations[1].Case(
            path_parameters={"org": "acme"}, body=body, media_type="application/json"
        )
        seen.add(
            (
                operations[1].label,
                case.call_and_validate(headers=credentials, checks=CHECKS).status_code,
            )
        )
    failures = []
    for operation in operations:

        @settings(EXAMPLES, max_examples=12)
        @given(case=operation.as_strategy(), label=just(operation.label))
        def exercise(case, label):
            names = {name: real[name] for name in re.findall(r"{(\w+)}", label)}
            case.path_parameters = {**(case.path_parameters or {}), **names}
            response = case.call_and_validate(
                headers={**(case.headers or {}), **credentials}, checks=CHECKS
            )
            seen.add((label, response.status_code))

        try:
            exercise()
        except Exception as error:
            failures.append(f"{operation.method.upper()} {operation.path}: {error}")
    assert not failures, "\n\n".join(failures)
    assert {
        (f"GET {TOKENS}", 200),
        (f"POST {TOKENS}", 201),
        (f"POST {TOKENS}", 409),
        (f"DELETE {TOKENS}/{{token_id}}", 204),
    } <= seen

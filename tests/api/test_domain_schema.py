"""The domain operations keep to the OpenAPI document in a real organization: generated requests
reach `acme`'s own domains — added (and refused: a free-mail provider, a domain twice), verified
through the DNS server on loopback (and refused while the record is missing), their policy
changed, removed — and each answer is as the document says."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis.strategies import just

from organizations.models import Organization
from tests.api.test_schema import CHECKS, USAGE_EXAMPLES, api_schema, credentials  # noqa: F401
from tests.directory.dns_server import dns_server  # noqa: F401  (a fixture)
from tests.directory.domain_data import make_domain

pytestmark = pytest.mark.django_db

DOMAINS = "/api/v1/organizations/{org}/domains"
ONE = f"{DOMAINS}/{{domain_id}}"


def test_the_domain_operations_keep_to_their_schema_in_a_real_organization(
    api_schema,  # noqa: F811
    credentials,  # noqa: F811
    dns_server,  # noqa: F811
):
    organization = Organization.objects.get(slug="acme")
    published = make_domain(organization, "published.test")
    missing = make_domain(organization, "missing.test")
    dns_server.publish("published.test", published.txt_record)
    real = {"org": "acme", "domain_id": missing.pk}
    operations = sorted(
        (
            result.ok()
            for result in api_schema.get_all_operations()
            if "/domains" in result.ok().path
        ),
        key=lambda operation: operation.method.upper() == "DELETE",
    )
    assert len(operations) == 5
    known = {
        f"POST {DOMAINS}": [
            ({}, {"domain": "acme.test", "policy": "auto_join"}),
            ({}, {"domain": "acme.test"}),
            ({}, {"domain": "gmail.com"}),
        ],
        f"POST {ONE}/verify": [({}, None), ({"domain_id": published.pk}, None)],
        f"PATCH {ONE}": [({}, {"policy": "auto_join"})],
    }
    seen: set[tuple[str, int]] = set()
    for operation in operations:
        for names, body in known.get(operation.label, []):
            wanted = {name: real[name] for name in ("org", "domain_id") if name in operation.path}
            case = operation.Case(
                path_parameters={**wanted, **names},
                **({"body": body, "media_type": "application/json"} if body else {}),
            )
            response = case.call_and_validate(headers=credentials, checks=CHECKS)
            seen.add((operation.label, response.status_code))
    failures = []
    for operation in operations:

        @USAGE_EXAMPLES
        @given(case=operation.as_strategy(), label=just(operation.label))
        def exercise(case, label):
            names = {name: real[name] for name in case.path_parameters or {}}
            case.path_parameters = {**case.path_parameters, **names}
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
        (f"GET {DOMAINS}", 200),
        (f"POST {DOMAINS}", 201),
        (f"POST {DOMAINS}", 409),
        (f"POST {DOMAINS}", 400),
        (f"POST {ONE}/verify", 200),
        (f"POST {ONE}/verify", 409),
        (f"PATCH {ONE}", 200),
        (f"DELETE {ONE}", 204),
    } <= seen

"""The domain operations keep to the OpenAPI document in a real organization: generated requests
reach `acme`'s own domains — added (and refused: a free-mail provider, a domain twice), verified
through the DNS server on loopback (and refused while the record is missing), their policy
changed, removed — and each answer is as the document says."""

from __future__ import annotations

import pytest

from organizations.models import Organization
from tests.api.schema_runs import operations_under, run_in_organization
from tests.api.test_schema import api_schema, credentials  # noqa: F401
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
    operations = operations_under(api_schema, "/domains")
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
    seen = run_in_organization(operations, real=real, credentials=credentials, known=known)
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

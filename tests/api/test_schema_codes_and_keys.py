"""The invite-code and API-key operations keep to the OpenAPI document in a real organization:
schemathesis' generated requests reach `acme`'s own code and key, beside known-good requests
for each answer the document promises (a capped, domain-restricted code; a rotation with a
grace; the joins a code's rules refuse)."""

import pytest

from memberships.services.invite_codes import invite_code_create
from organizations.models import ApiKey, Organization
from organizations.roles import Role
from organizations.services.api_keys import api_key_provision
from tests.api import test_schema
from tests.api.schema_runs import operations_under, run_in_organization
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

# The schema and the caller (the owner of `acme`) of the whole document's test.
api_schema = test_schema.api_schema
credentials = test_schema.credentials

CODES = "/api/v1/organizations/{org}/invite-codes"
KEYS = "/api/v1/organizations/{org}/api-keys"
JOIN = "/api/v1/invite-codes/{code}/join"


def _codes_of_another_organization():
    """Codes of `beta`, which acme's owner may join: one open, one for another domain, one
    used up."""
    beta = OrganizationFactory(slug="beta", seats=50)
    owner = UserFactory()
    MembershipFactory(user=owner, organization=beta, role=Role.OWNER)
    open_code = invite_code_create(organization=beta, actor=owner, role="analyst")
    elsewhere = invite_code_create(organization=beta, actor=owner, email_domain="elsewhere.test")
    used_up = invite_code_create(organization=beta, actor=owner, max_uses=1)
    used_up.uses = 1
    used_up.save(update_fields=["uses"])
    return open_code.code, elsewhere.code, used_up.code


def test_the_invite_code_and_key_operations_keep_to_their_schema(api_schema, credentials):
    organization = Organization.objects.get(slug="acme")
    owner = organization.memberships.get().user
    code = invite_code_create(organization=organization, actor=owner, max_uses=3)
    key, _secret = api_key_provision(organization=organization, name="schema")
    ended, _ = api_key_provision(organization=organization, name="ended")
    ApiKey.objects.filter(pk=ended.pk).update(revoked_at=organization.created_at)
    joinable, elsewhere, used_up = _codes_of_another_organization()
    real = {"org": "acme", "code_id": code.pk, "key_id": key.pk, "code": joinable}
    operations = operations_under(api_schema, "/invite-codes", "/api-keys")
    assert len(operations) == 8
    # Known-good requests first, so each answer is checked whatever the fuzzer draws.
    known = {
        f"POST {CODES}": [
            ({}, {"role": "admin", "max_uses": 5, "email_domain": "acme.test"}),
            ({}, {"role": "owner"}),
        ],
        f"POST {KEYS}/{{key_id}}/rotate": [
            ({}, {"grace_period_hours": 24}),
            ({}, {"grace_period_hours": 169}),
            ({"key_id": ended.pk}, {"grace_period_hours": 1}),
        ],
        f"POST {JOIN}": [
            ({"code": elsewhere}, None),
            ({"code": used_up}, None),
            ({"code": joinable}, None),
            ({"code": joinable}, None),
        ],
    }
    seen = run_in_organization(operations, real=real, credentials=credentials, known=known)
    assert {
        (f"GET {CODES}", 200),
        (f"POST {CODES}", 201),
        (f"POST {CODES}", 400),
        (f"DELETE {CODES}/{{code_id}}", 204),
        (f"GET {KEYS}", 200),
        (f"POST {KEYS}/{{key_id}}/rotate", 201),
        (f"POST {KEYS}/{{key_id}}/rotate", 400),
        (f"POST {KEYS}/{{key_id}}/rotate", 409),
        (f"POST {JOIN}", 201),
        (f"POST {JOIN}", 403),
        (f"POST {JOIN}", 409),
        (f"POST {JOIN}", 410),
    } <= seen

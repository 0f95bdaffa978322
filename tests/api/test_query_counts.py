"""Queries per request do not grow with the data: every list and detail endpoint is measured
with few and with many rows of everything it shows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from memberships.services.tokens import personal_token_create
from organizations.audit import audit
from organizations.roles import Role
from tests.api.conftest import client_with
from tests.api.usage_data import make_integration, make_runs
from tests.api.webhook_data import make_deliveries, make_endpoint, make_events
from tests.factories import (
    ApiKeyFactory,
    InvitationFactory,
    InviteCodeFactory,
    MembershipFactory,
    OrganizationFactory,
    TemplateFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    "/api/v1/me",
    "/api/v1/me/memberships",
    "/api/v1/auth/tokens",
    "/api/v1/organizations",
    "/api/v1/organizations/{org}",
    "/api/v1/organizations/{org}/members",
    "/api/v1/organizations/{org}/members?role=member&search=example",
    "/api/v1/organizations/{org}/members?page_size=1&page=2",
    "/api/v1/organizations/{org}/templates?page_size=1&page=2",
    "/api/v1/organizations/{org}/invitations",
    "/api/v1/organizations/{org}/invite-codes",
    "/api/v1/organizations/{org}/api-keys",
    "/api/v1/organizations/{org}/branding",
    "/api/v1/organizations/{org}/templates",
    "/api/v1/organizations/{org}/templates/{tpl}",
    "/api/v1/organizations/{org}/audit-log",
    "/api/v1/organizations/{org}/integrations",
    "/api/v1/organizations/{org}/integrations/{int}",
    "/api/v1/organizations/{org}/runs",
    "/api/v1/organizations/{org}/usage",
    "/api/v1/organizations/{org}/webhooks",
    "/api/v1/organizations/{org}/webhooks/{whe}",
    "/api/v1/organizations/{org}/webhooks/{whe}/deliveries",
    "/api/v1/organizations/{org}/events",
    "/api/v1/organizations/{org}/events?type=member.*,run.started",
    "/api/v1/event-types",
]


def _world(size):
    """An admin in an organization with `size` of everything, and `size` other organizations
    the admin belongs to."""
    organization = OrganizationFactory(seats=1000)
    admin = UserFactory()
    MembershipFactory(user=admin, organization=organization, role=Role.OWNER, is_active=True)
    for _ in range(size):
        MembershipFactory(organization=organization, role=Role.MEMBER)
        MembershipFactory(user=admin, organization=OrganizationFactory())
        InvitationFactory(organization=organization, invited_by=admin)
        InviteCodeFactory(organization=organization, created_by=admin)
        ApiKeyFactory(organization=organization, created_by=admin)
        personal_token_create(user=admin)
        audit(organization, actor=admin, action="organization.updated", target=organization)
    template = TemplateFactory(organization=organization, created_by=admin)
    integration = make_integration(organization)
    for n in range(size):
        TemplateFactory(organization=organization, created_by=admin)
        make_integration(organization, name=f"Provider {n}")
    make_runs(organization, size, integration=integration, started_by_user=admin)
    endpoint = make_endpoint(organization)
    for _ in range(size):
        make_endpoint(organization)
    make_deliveries(endpoint, size)
    make_events(organization, size, type="run.started")
    _token, secret = personal_token_create(user=admin)
    client = client_with(HTTP_AUTHORIZATION=f"Bearer {secret}")
    names = {"org": organization.pk, "tpl": template.pk, "int": integration.pk, "whe": endpoint.pk}
    return client, names


def _queries(client, path):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, (path, response.content)
    return len(captured)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_queries_do_not_grow_with_the_data(endpoint):
    small_client, small = _world(2)
    large_client, large = _world(25)
    small_count = _queries(small_client, endpoint.format(**small))
    large_count = _queries(large_client, endpoint.format(**large))
    assert large_count == small_count, (endpoint, small_count, large_count)
    # The usage report reads four things (the subscription with its plan, the daily counters,
    # what is running, the integrations) on top of every request's own.
    assert small_count <= (13 if endpoint.endswith("/usage") else 12), (endpoint, small_count)


@pytest.mark.parametrize("grace", [False, True], ids=["key", "old_key_in_its_grace"])
def test_an_api_key_costs_one_indexed_lookup(organization, grace):
    from organizations.services.api_keys import api_key_provision, api_key_rotate

    key, secret = api_key_provision(organization=organization, name="bench")
    if grace:  # the old key of a rotation keeps working, at the same cost
        api_key_rotate(api_key=key, actor=key, grace_period_hours=24)
    client = client_with(HTTP_AUTHORIZATION=f"Bearer {secret}")
    client.get("/api/v1/me")  # records last_used_at; later requests within a minute do not
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/api/v1/me").status_code == 200
    lookups = [q["sql"] for q in captured if "organizations_apikey" in q["sql"]]
    assert len(lookups) == 1
    assert "key_hash" in lookups[0]
    assert not [q for q in captured if q["sql"].startswith("UPDATE")]

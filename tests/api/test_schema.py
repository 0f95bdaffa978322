"""The OpenAPI document is complete and truthful: schemathesis generates requests for every
operation from it and checks each response against it (no server errors, documented status
codes, content types and bodies)."""

import json
from datetime import timedelta

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import given, settings

from memberships.services.tokens import personal_token_create
from organizations.models import Organization, Run
from organizations.roles import Role
from tests.api.conftest import ROOT_KEY
from tests.api.schema_runs import (
    CHECKS,
    EXAMPLES,
    Known,
    operations_under,
    run_in_organization,
)
from tests.api.usage_data import make_integration, make_runs, roomy
from tests.api.webhook_data import make_deliveries, make_endpoint, make_events
from tests.factories import MembershipFactory, OrganizationFactory, TemplateFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_schema(db):
    """The schema, loaded from the app; requests go to the app in this process, inside the
    test's transaction (so, as Django's test client does, connections stay open between
    requests)."""
    cache.clear()
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def credentials(db):
    """An owner of an organization with some data, and the root key."""
    organization = OrganizationFactory(slug="acme")
    owner = UserFactory(email="owner@acme.test")
    MembershipFactory(user=owner, organization=organization, role=Role.OWNER, is_active=True)
    TemplateFactory(organization=organization)
    _token, secret = personal_token_create(user=owner)
    return {"Authorization": f"Bearer {secret}", "X-Root-Key": ROOT_KEY}


@pytest.mark.parametrize("half", [0, 1])  # two tests, so that two workers share the run
def test_the_api_keeps_to_its_schema(api_schema, credentials, half):
    failures = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 45
    for operation in operations[half::2]:
        # A third of the shared 30: requests of the document's shapes reach the services now
        # (not a quick 400), and the API-key run, the stateful run and the runs in a real
        # organization cover every operation too.
        @settings(EXAMPLES, max_examples=10)
        @given(case=operation.as_strategy())
        def exercise(case):
            case.call_and_validate(headers={**(case.headers or {}), **credentials}, checks=CHECKS)

        try:
            exercise()
        except Exception as error:
            failures.append(f"{operation.method.upper()} {operation.path}: {error}")
    assert not failures, "\n\n".join(failures)


def test_the_usage_operations_keep_to_their_schema_in_a_real_organization(api_schema, credentials):
    """Generated requests reach `acme` itself, its integration and its run: created, changed,
    refused over the plan's limits (429 with Retry-After), finished, deleted — each answer as
    the document says."""
    organization = Organization.objects.get(slug="acme")
    # Room for a start and a provider more than it has, so both sides of each limit show.
    roomy(organization, concurrent=2, providers=3)
    real = {
        "org": "acme",
        "integration_id": make_integration(organization).pk,
        "run_id": make_runs(organization, 1, status=Run.Status.RUNNING)[0].pk,
    }
    operations = operations_under(api_schema, "/integrations", "/runs", "/usage")
    assert len(operations) == 9
    runs, integrations = (
        "/api/v1/organizations/{org}/runs",
        "/api/v1/organizations/{org}/integrations",
    )
    # Known-good requests first, so each side of each limit is checked whatever the fuzzer
    # draws: an integration made, a run started, and the next start over the concurrent limit.
    known: Known = {
        f"POST {integrations}": [
            ({}, {"name": "Schema check", "kind": "openai", "credential": "sk-schema-check-0001"})
        ],
        f"POST {runs}": [({}, {"name": "fits"}), ({}, {"name": "over the concurrent limit"})],
    }
    seen = run_in_organization(operations, real=real, credentials=credentials, known=known)
    assert {(f"POST {runs}", 201), (f"POST {runs}", 429), (f"POST {integrations}", 201)} <= seen


def test_the_webhook_operations_keep_to_their_schema_in_a_real_organization(
    api_schema, credentials, settings
):
    """Generated requests reach `acme`'s own endpoint, delivery and events: endpoints added up
    to the limit and refused past it (409), changed, rotated, tested, a delivery retried and
    refused while it is being attempted (409), events read — each answer as the document says.
    Removing the endpoint comes last, so the rest reach it."""
    organization = Organization.objects.get(slug="acme")
    settings.CAUSELOOP_WEBHOOK_ENDPOINTS_LIMIT = 2
    endpoint = make_endpoint(organization)
    (delivery,) = make_deliveries(endpoint, 1, state="failed")
    (leased,) = make_deliveries(endpoint, 1, lease_until=timezone.now() + timedelta(hours=1))
    make_events(organization, 3)
    real = {"org": "acme", "endpoint_id": endpoint.pk, "delivery_id": delivery.pk}
    operations = operations_under(api_schema, "/webhooks", "/events", "/event-types")
    assert len(operations) == 11
    hooks = "/api/v1/organizations/{org}/webhooks"
    retry = f"{hooks}/{{endpoint_id}}/deliveries/{{delivery_id}}/retry"
    # Known-good requests first, so each side of each rule is checked whatever the fuzzer draws.
    known: Known = {
        f"POST {hooks}": [
            ({}, {"url": "https://93.184.216.34/hooks", "event_types": ["member.*"]}),
            ({}, {"url": "https://93.184.216.34/over-the-limit"}),
        ],
        f"PATCH {hooks}/{{endpoint_id}}": [({}, {"description": "Checked", "enabled": True})],
        f"POST {hooks}/{{endpoint_id}}/rotate-secret": [({}, None)],
        f"POST {hooks}/{{endpoint_id}}/test": [({}, None)],
        f"POST {retry}": [({}, None), ({"delivery_id": leased.pk}, None)],
    }
    seen = run_in_organization(operations, real=real, credentials=credentials, known=known)
    assert {
        (f"POST {hooks}", 201),
        (f"POST {hooks}", 409),
        (f"PATCH {hooks}/{{endpoint_id}}", 200),
        (f"POST {hooks}/{{endpoint_id}}/rotate-secret", 200),
        (f"POST {hooks}/{{endpoint_id}}/test", 202),
        (f"POST {retry}", 202),
        (f"POST {retry}", 409),
        (f"GET {hooks}/{{endpoint_id}}/deliveries", 200),
        ("GET /api/v1/organizations/{org}/events", 200),
        ("GET /api/v1/event-types", 200),
        (f"DELETE {hooks}/{{endpoint_id}}", 204),
    } <= seen


def test_the_schema_documents_every_endpoint_and_error(client):
    document = client.get("/api/schema/?format=json").json()
    operations = [
        (path, method, spec)
        for path, item in document["paths"].items()
        for method, spec in item.items()
    ]
    assert len(operations) >= 45
    for path, method, spec in operations:
        assert "400" in spec["responses"], (path, method)
        assert "503" in spec["responses"], (path, method)
    schemes = document["components"]["securitySchemes"]
    assert {"bearerAuth", "apiKeyHeader", "sessionAuth", "rootKey"} <= set(schemes)


def test_the_interactive_docs_load_without_anything_external(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
    assert b"cdn.jsdelivr" not in response.content


# What SPEC §8 refuses at the one boundary, put on top of generated requests to every operation.
def _query_nul(case):
    case.query = {**(case.query or {}), "search": "a\x00b"}


def _query_control(case):
    case.query = {**(case.query or {}), "q\x1b[2J": "1"}


def _json_nul_key(case):
    case.body = {**case.body, "key\x00": "value"}


def _json_lone_surrogate(case):
    case.body = {**case.body, "text": "\ud800"}


def _json_deep(case):
    case.body = {**case.body, "deep": json.loads("[" * 40 + "]" * 40)}


HOSTILE_QUERIES = [_query_nul, _query_control]
HOSTILE_BODIES = [_json_nul_key, _json_lone_surrogate, _json_deep]
HOSTILE_EXAMPLES = settings(EXAMPLES, max_examples=2)


def _send_hostile(operation, hostile, credentials):
    @HOSTILE_EXAMPLES
    @given(case=operation.as_strategy())
    def exercise(case):
        is_json_object = case.media_type == "application/json" and isinstance(case.body, dict)
        if hostile in HOSTILE_BODIES and not is_json_object:
            return
        hostile(case)
        response = case.call_and_validate(
            headers={**(case.headers or {}), **credentials}, checks=CHECKS
        )
        # A query string is refused before anything else; a body once it is read, after the
        # caller's role (403) and the thing addressed (404) are known.
        expected = {400} if hostile in HOSTILE_QUERIES else {400, 403, 404}
        assert response.status_code in expected, (response.status_code, response.text)

    exercise()


def test_hostile_input_is_a_documented_400_everywhere(api_schema, credentials):
    failures = []
    for operation in [result.ok() for result in api_schema.get_all_operations()]:
        for hostile in HOSTILE_QUERIES + HOSTILE_BODIES:
            try:
                _send_hostile(operation, hostile, credentials)
            except Exception as error:
                name = hostile.__name__.strip("_")
                failures.append(f"{operation.method.upper()} {operation.path} {name}: {error}")
    assert not failures, "\n\n".join(failures)

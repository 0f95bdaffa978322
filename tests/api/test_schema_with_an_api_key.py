"""schemathesis as an integration calls the API: with an organization API key, its own
organization in `{org}` and real rows behind every other path name — then statefully, following
the document's OpenAPI links from what each POST creates to the operations on it. Every answer
must be one the document promises."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import ignored_auth

from memberships.services.invitations import invitation_create
from memberships.services.invite_codes import invite_code_create
from memberships.services.tokens import personal_token_create
from onboarding.services.exports import data_export_request
from organizations.models import Organization, Run
from organizations.roles import Role
from organizations.services.api_keys import api_key_provision
from tests.api.schema_runs import CHECKS, EXAMPLES, run_in_organization
from tests.api.test_schema import api_schema  # noqa: F401 (the fixture)
from tests.api.usage_data import make_integration, make_runs, roomy
from tests.api.webhook_data import make_deliveries, make_endpoint
from tests.factories import MembershipFactory, OrganizationFactory, TemplateFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def keyed(db):
    """`acme` with a row behind each path name, and the headers of one of its API keys."""
    organization = OrganizationFactory(slug="acme")
    roomy(organization, concurrent=3, providers=4)
    owner = UserFactory(email="owner@acme.test")
    MembershipFactory(user=owner, organization=organization, role=Role.OWNER, is_active=True)
    member = UserFactory(email="member@acme.test")
    membership = MembershipFactory(user=member, organization=organization, role=Role.MEMBER)
    invitation, token = invitation_create(
        organization=organization, actor=owner, email="new@acme.test", role=Role.MEMBER
    )
    endpoint = make_endpoint(organization)
    other_key, _ = api_key_provision(organization=organization, name="another")
    personal, _ = personal_token_create(user=owner)
    code = invite_code_create(organization=organization, actor=owner)
    real = {
        "org": "acme",
        "template_id": TemplateFactory(organization=organization).pk,
        "key_id": other_key.pk,
        "member_id": membership.pk,
        "invitation_id": invitation.pk,
        "token": token,
        "token_or_id": invitation.pk,
        "code_id": code.pk,
        "code": code.code,
        "integration_id": make_integration(organization).pk,
        "run_id": make_runs(organization, 1, status=Run.Status.RUNNING)[0].pk,
        "endpoint_id": endpoint.pk,
        "delivery_id": make_deliveries(endpoint, 1, state="failed")[0].pk,
        "domain_id": "dom_00000000000000000000000000",
        "token_id": personal.pk,
        "export_id": data_export_request(organization=organization, actor=owner).pk,
    }
    _key, secret = api_key_provision(organization=organization, name="schemathesis")
    return real, {"Authorization": f"Bearer {secret}"}


def test_every_operation_keeps_to_its_schema_for_an_organization_api_key(api_schema, keyed):  # noqa: F811
    real, credentials = keyed
    operations = [result.ok() for result in api_schema.get_all_operations()]
    seen = run_in_organization(
        sorted(operations, key=lambda operation: operation.method.upper() == "DELETE"),
        real=real,
        credentials=credentials,
        examples=settings(EXAMPLES, max_examples=6),
    )
    reached = {label for label, status in seen if status < 300}
    # The key reaches its organization's own rows, not only 404s.
    assert {
        "GET /api/v1/organizations/{org}/templates/{template_id}",
        "GET /api/v1/organizations/{org}/members",
        "GET /api/v1/me",
        "GET /api/v1/organizations/{org}/audit-log",
    } <= reached


def test_following_the_links_from_what_each_post_creates_keeps_to_the_schema(
    api_schema,  # noqa: F811
    keyed,
):
    real, credentials = keyed
    base = api_schema.as_state_machine()
    statuses: list[tuple[str, int]] = []

    class Client(base):  # type: ignore[misc, valid-type]
        # Each scenario starts from the same rows: what one made, the next does not see.
        def setup(self):
            self.savepoint = transaction.savepoint_create()

        def teardown(self):
            transaction.savepoint_rollback(self.savepoint)

        def before_call(self, case):
            if case.path_parameters and "org" in case.path_parameters:
                case.path_parameters["org"] = real["org"]

        def get_call_kwargs(self, case):
            return {"headers": {**(case.headers or {}), **credentials}}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            statuses.append((f"{case.method} {case.operation.path}", response.status_code))
            # Not ignored_auth here: its probes would carry the key this harness adds to every
            # call (the plain runs and `st run -H` take it out, and pass).
            case.validate_response(response, checks=[c for c in CHECKS if c is not ignored_auth])

    Client.run(
        settings=settings(
            max_examples=25,
            stateful_step_count=5,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )
    followed = {label for label, status in statuses if status < 300 and "{" in label.split("/")[-1]}
    assert followed, sorted(set(statuses))  # a link led from a POST to the thing it made
    assert Organization.objects.filter(slug="acme").exists()

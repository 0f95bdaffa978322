"""The wall between tenants: a member of A — whatever the role — and A's API key get 404 for each
of B's resources, addressed by B's ID or slug, or by B's resource IDs under A's own path; and
nothing of B changes."""

import pytest

from directory.models import Domain, ScimToken
from directory.services.scim_tokens import scim_token_create
from memberships.models import Invitation, InviteCode, Membership
from organizations.models import (
    ApiKey,
    Event,
    Integration,
    Organization,
    Run,
    Template,
    UsageDay,
)
from organizations.roles import Role
from tests.api.usage_data import make_integration, make_runs
from tests.api.webhook_data import HOOK_URL, make_deliveries, make_endpoint
from tests.directory.domain_data import make_domain
from tests.factories import (
    ApiKeyFactory,
    InvitationFactory,
    InviteCodeFactory,
    MembershipFactory,
    OrganizationFactory,
    TemplateFactory,
    UserFactory,
)
from webhooks.models import WebhookDelivery, WebhookEndpoint

# Through PgBouncer (transaction pooling) and Redis, as production runs (SPEC §12).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("through_pgbouncer_and_redis")]

# (method, path under /organizations/{org}, body); {mem} {inv} {code} {key} {tpl} {int} {run}
# {whe} {dlv} {dom} {sct} are B's.
ENDPOINTS = [
    ("get", "", None),
    ("patch", "", {"name": "Hijacked"}),
    ("delete", "", None),
    ("post", "/switch", None),
    ("get", "/members", None),
    ("post", "/members", {"email": "b-owner@example.com", "role": "member"}),
    ("patch", "/members/{mem}", {"role": "admin"}),
    ("delete", "/members/{mem}", None),
    ("post", "/transfer-ownership", {"membership_id": "{mem}"}),
    ("get", "/invitations", None),
    ("post", "/invitations", {"email": "x@example.com", "role": "member"}),
    ("post", "/invitations/{inv}/resend", None),
    ("delete", "/invitations/{inv}", None),
    ("get", "/invite-codes", None),
    ("post", "/invite-codes", {"role": "admin", "max_uses": 5, "email_domain": "acme.com"}),
    ("delete", "/invite-codes/{code}", None),
    ("get", "/api-keys", None),
    ("post", "/api-keys", {"name": "stolen"}),
    ("post", "/api-keys/{key}/rotate", {"grace_period_hours": 24}),
    ("post", "/api-keys/{key}/rotate", {"grace_period_hours": -1}),
    ("delete", "/api-keys/{key}", None),
    ("get", "/branding", None),
    ("patch", "/branding", {"primary_color": "#ff0000"}),
    ("get", "/templates", None),
    ("post", "/templates", {"name": "Planted"}),
    ("get", "/templates/{tpl}", None),
    ("patch", "/templates/{tpl}", {"name": "Defaced"}),
    ("delete", "/templates/{tpl}", None),
    ("get", "/audit-log", None),
    ("get", "/integrations", None),
    ("post", "/integrations", {"name": "Planted", "kind": "openai", "credential": "sk-planted-1"}),
    ("get", "/integrations/{int}", None),
    ("patch", "/integrations/{int}", {"name": "Defaced", "credential": "sk-swapped-1"}),
    ("delete", "/integrations/{int}", None),
    ("get", "/runs", None),
    ("post", "/runs", {"name": "Billed to B"}),
    ("post", "/runs/{run}/finish", {"status": "canceled"}),
    ("get", "/usage", None),
    ("get", "/webhooks", None),
    ("post", "/webhooks", {"url": HOOK_URL}),
    ("get", "/webhooks/{whe}", None),
    ("patch", "/webhooks/{whe}", {"url": "https://93.184.216.35/stolen", "enabled": False}),
    ("delete", "/webhooks/{whe}", None),
    ("post", "/webhooks/{whe}/rotate-secret", None),
    ("post", "/webhooks/{whe}/test", None),
    ("get", "/webhooks/{whe}/deliveries", None),
    ("post", "/webhooks/{whe}/deliveries/{dlv}/retry", None),
    ("get", "/events", None),
    ("get", "/domains", None),
    ("post", "/domains", {"domain": "planted.test"}),
    ("patch", "/domains/{dom}", {"policy": "auto_join"}),
    ("delete", "/domains/{dom}", None),
    ("post", "/domains/{dom}/verify", None),
    ("get", "/scim-tokens", None),
    ("post", "/scim-tokens", {"name": "stolen"}),
    ("delete", "/scim-tokens/{sct}", None),
]


@pytest.fixture
def tenant_b():
    organization = OrganizationFactory(slug="bravo", name="Bravo")
    owner = UserFactory(email="b-owner@example.com")
    membership = MembershipFactory(organization=organization, user=owner, role=Role.OWNER)
    endpoint = make_endpoint(organization)
    return {
        "org": organization,
        "mem": membership.pk,
        "inv": InvitationFactory(organization=organization).pk,
        "code": InviteCodeFactory(organization=organization).pk,
        "key": ApiKeyFactory(organization=organization).pk,
        "tpl": TemplateFactory(organization=organization).pk,
        "int": make_integration(organization).pk,
        "run": make_runs(organization, 1, status=Run.Status.RUNNING)[0].pk,
        "whe": endpoint.pk,
        "dlv": make_deliveries(endpoint, 1, state="failed")[0].pk,
        "dom": make_domain(organization, "bravo.test").pk,
        "sct": scim_token_create(organization=organization, actor=owner, name="B's")[0].pk,
    }


def _snapshot(organization):
    return {
        "org": Organization.objects.filter(pk=organization.pk)
        .values_list("name", "status", "primary_color")
        .first(),
        "members": sorted(
            Membership.objects.filter(organization=organization).values_list("role", "is_active")
        ),
        "invitations": sorted(
            Invitation.objects.filter(organization=organization).values_list("status", "expires_at")
        ),
        "codes": sorted(
            InviteCode.objects.filter(organization=organization).values_list(
                "is_active", "uses", "role", "max_uses", "email_domain"
            )
        ),
        "keys": sorted(
            ApiKey.objects.filter(organization=organization).values_list(
                "pk", "revoked_at", "expires_at"
            )
        ),
        "templates": sorted(
            Template.objects.filter(organization=organization).values_list("pk", "name")
        ),
        "integrations": sorted(
            Integration.objects.filter(organization=organization).values_list(
                "pk", "name", "credential", "last_four"
            )
        ),
        "runs": sorted(Run.objects.filter(organization=organization).values_list("pk", "status")),
        "usage": sorted(
            UsageDay.objects.filter(organization=organization).values_list("day", "runs")
        ),
        "webhooks": sorted(
            (pk, url, enabled, bytes(secret))
            for pk, url, enabled, secret in WebhookEndpoint.objects.filter(
                organization=organization
            ).values_list("pk", "url", "enabled", "secret")
        ),
        "deliveries": sorted(
            WebhookDelivery.objects.filter(organization=organization).values_list(
                "pk", "state", "next_attempt_at"
            )
        ),
        "events": Event.objects.filter(organization=organization).count(),
        "domains": sorted(
            Domain.objects.filter(organization=organization).values_list(
                "pk", "policy", "verified_at", "checked_at"
            )
        ),
        "scim_tokens": sorted(
            ScimToken.objects.filter(organization=organization).values_list("pk", "revoked_at")
        ),
    }


def _fill(value, b):
    if isinstance(value, str):
        return value.format(**{k: v for k, v in b.items() if k != "org"})
    if isinstance(value, dict):
        return {k: _fill(v, b) for k, v in value.items()}
    return value


@pytest.mark.parametrize("caller", ["owner", "admin", "analyst", "member", "api_key"])
def test_every_resource_of_another_tenant_is_404(
    as_user, as_key, organization, make_member, tenant_b, caller
):
    client = (
        as_key(organization)
        if caller == "api_key"
        else as_user(make_member(organization, Role(caller)))
    )
    b = tenant_b
    before = _snapshot(b["org"])
    addresses = [b["org"].pk, b["org"].slug, b["org"].slug.upper()]
    for method, suffix, body in ENDPOINTS:
        for address in addresses:
            path = f"/api/v1/organizations/{address}{_fill(suffix, b)}"
            response = getattr(client, method)(path, _fill(body, b), format="json")
            assert response.status_code == 404, (caller, method, path, response.content)
            assert response.json()["error"]["code"] == "not_found"
        if "{" in suffix:  # B's resource IDs under A's own organization
            path = f"/api/v1/organizations/{organization.pk}{_fill(suffix, b)}"
            response = getattr(client, method)(path, _fill(body, b), format="json")
            assert response.status_code in (404, 403), (caller, method, path, response.content)
            if caller in ("owner", "admin", "api_key"):
                assert response.status_code == 404, (caller, method, path)
    assert _snapshot(b["org"]) == before


@pytest.mark.parametrize("caller", ["member", "api_key"])
def test_the_export_of_another_tenant_is_404(
    as_user, as_key, organization, make_member, tenant_b, caller
):
    client = as_key(organization) if caller == "api_key" else as_user(make_member(organization))
    for address in (tenant_b["org"].pk, tenant_b["org"].slug):
        response = client.post(
            "/api/v1/gdpr/export-requests", {"organization": address}, format="json"
        )
        assert response.status_code == 404


def test_an_api_key_cannot_invite_into_another_tenant_through_the_active_organization(
    as_key, organization, tenant_b
):
    response = as_key(organization).post(
        "/api/v1/invitations", {"email": "x@example.com"}, format="json"
    )
    assert response.status_code == 201
    assert not Invitation.objects.filter(organization=tenant_b["org"], email="x@example.com")

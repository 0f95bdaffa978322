"""The HTTP conventions a client relies on without a special case: unknown paths, `ETag` and
`If-Match`, `Location`, the `RateLimit-*` headers, `OPTIONS` and CORS preflights, the request
ID in every error, PATCH changing only what it sends."""

import pytest
from django.core.cache import cache
from django.test import Client

from memberships.services.tokens import personal_token_create
from organizations.models import AuditLog, Template
from organizations.roles import Role
from tests.api.conftest import ROOT_KEY, assert_refused, error_code
from tests.api.usage_data import make_integration
from tests.api.webhook_data import make_endpoint
from tests.factories import TemplateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_client(as_user, owner):
    return as_user(owner)


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
def test_an_unknown_api_path_is_a_json_404_for_every_method_even_without_a_csrf_cookie(
    method, owner
):
    _token, secret = personal_token_create(user=owner)
    # A real client: CSRF enforced as in production (Django's test client skips it).
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = getattr(client, method)("/api/v1/no-such-thing", content_type="application/json")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert error_code(response) == "not_found"


def _template_path(organization, template):
    return f"/api/v1/organizations/{organization.slug}/templates/{template.pk}"


def test_a_patch_changes_only_the_fields_it_sends(owner_client, organization):
    template = TemplateFactory(organization=organization, kind=Template.Kind.AGENT, body="Keep")
    response = owner_client.patch(
        _template_path(organization, template), {"name": "Renamed"}, format="json"
    )
    assert response.status_code == 200, response.content
    template.refresh_from_db()
    assert (template.name, template.kind, template.body) == ("Renamed", "agent", "Keep")


def test_a_write_with_a_stale_if_match_is_412_and_changes_nothing(owner_client, organization):
    template = TemplateFactory(organization=organization, name="First")
    path = _template_path(organization, template)
    read = owner_client.get(path)
    etag = read["ETag"]
    assert etag.startswith('"')
    assert etag.endswith('"')
    # Someone else changes it meanwhile.
    changed = owner_client.patch(path, {"name": "Theirs"}, format="json", HTTP_IF_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert changed["ETag"] == owner_client.get(path)["ETag"]

    stale = owner_client.patch(path, {"name": "Mine"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert error_code(stale) == "precondition_failed"
    template.refresh_from_db()
    assert template.name == "Theirs"
    refused = owner_client.delete(path, HTTP_IF_MATCH=etag)
    assert refused.status_code == 412
    assert Template.objects.filter(pk=template.pk).exists()

    fresh = owner_client.get(path)["ETag"]
    assert (
        owner_client.patch(path, {"name": "Mine"}, format="json", HTTP_IF_MATCH=fresh).status_code
        == 200
    )
    assert owner_client.delete(path, HTTP_IF_MATCH="*").status_code == 204


@pytest.mark.parametrize(
    ("suffix", "body"),
    [
        ("", {"name": "Renamed Co"}),
        ("/branding", {"primary_color": "#112233"}),
        ("/integrations/{integration}", {"name": "Renamed"}),
        ("/webhooks/{endpoint}", {"description": "Renamed"}),
    ],
)
def test_every_versioned_resource_has_an_etag_and_honours_if_match(
    owner_client, organization, suffix, body
):
    names = {
        "integration": make_integration(organization).pk,
        "endpoint": make_endpoint(organization).pk,
    }
    path = f"/api/v1/organizations/{organization.slug}{suffix.format(**names)}"
    etag = owner_client.get(path)["ETag"]
    stale = owner_client.patch(path, body, format="json", HTTP_IF_MATCH='"not-the-one"')
    assert stale.status_code == 412, stale.content
    assert owner_client.get(path)["ETag"] == etag  # unchanged
    done = owner_client.patch(path, body, format="json", HTTP_IF_MATCH=etag)
    assert done.status_code == 200, done.content
    assert done["ETag"] != etag


def test_what_a_post_creates_is_where_location_says(owner_client, organization):
    created = owner_client.post(
        f"/api/v1/organizations/{organization.slug}/templates",
        {"name": "New", "kind": "agent"},
        format="json",
    )
    assert created.status_code == 201
    location = created["Location"]
    assert location.startswith("http://testserver/api/v1/organizations/")
    assert owner_client.get(location).json()["id"] == created.json()["id"]


def test_a_rotated_key_and_an_onboarded_client_have_their_own_location(owner_client, organization):
    keys = f"/api/v1/organizations/{organization.slug}/api-keys"
    key = owner_client.post(keys, {"name": "CI"}, format="json").json()
    rotated = owner_client.post(f"{keys}/{key['id']}/rotate", format="json")
    assert rotated["Location"] == f"http://testserver{keys}/{rotated.json()['id']}"

    root = Client(HTTP_X_ROOT_KEY=ROOT_KEY)
    onboarded = root.post(
        "/api/v1/organizations/onboard",
        {"org_slug": "globex", "company_name": "Globex", "admin_email": "boss@globex.test"},
        content_type="application/json",
    )
    assert onboarded.status_code == 201, onboarded.content
    assert onboarded["Location"].endswith(f"/api/v1/organizations/{onboarded.json()['org_id']}")


def test_a_rate_limited_operation_says_where_the_caller_stands(anonymous, settings):
    cache.clear()
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "3/m/ip"}
    seen = []
    for _ in range(4):
        response = anonymous.post(
            "/api/v1/auth/tokens", {"email": "x@example.com", "password": "wrong"}, format="json"
        )
        seen.append((response.status_code, response["RateLimit-Remaining"]))
        assert response["RateLimit-Limit"] == "3"
        assert int(response["RateLimit-Reset"]) >= 0
    assert seen == [(401, "2"), (401, "1"), (401, "0"), (429, "0")]
    assert int(response["Retry-After"]) == int(response["RateLimit-Reset"]) > 0


def test_options_answers_anyone_with_the_methods_and_nothing_else(
    anonymous, organization, other_organization
):
    for org in (organization, other_organization, "no-such-org"):
        slug = getattr(org, "slug", org)
        response = anonymous.options(f"/api/v1/organizations/{slug}/templates")
        assert response.status_code == 200
        assert response.json() == {"methods": ["GET", "HEAD", "OPTIONS", "POST"]}
        assert "GET" in response["Allow"]


def test_cors_is_off_unless_origins_are_listed(anonymous, settings):
    preflight = {
        "HTTP_ORIGIN": "https://app.example.com",
        "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "PATCH",
        "HTTP_ACCESS_CONTROL_REQUEST_HEADERS": "authorization, if-match, idempotency-key",
    }
    closed = anonymous.options("/api/v1/me", **preflight)
    assert closed.status_code == 200
    assert "Access-Control-Allow-Origin" not in closed

    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
    opened = anonymous.options("/api/v1/me", **preflight)
    assert opened.status_code == 200
    assert opened["Access-Control-Allow-Origin"] == "https://app.example.com"
    allowed = opened["Access-Control-Allow-Headers"]
    assert {"authorization", "if-match", "idempotency-key", "x-api-key"} <= set(allowed.split(", "))
    assert "Access-Control-Allow-Credentials" not in opened
    stranger = anonymous.options("/api/v1/me", **{**preflight, "HTTP_ORIGIN": "https://evil.test"})
    assert "Access-Control-Allow-Origin" not in stranger

    answer = anonymous.get("/api/v1/me", HTTP_ORIGIN="https://app.example.com")
    assert answer.status_code == 401
    assert "X-Request-ID" in answer["Access-Control-Expose-Headers"]


def test_an_error_names_the_request_id_the_caller_sent(anonymous):
    response = anonymous.get("/api/v1/me", HTTP_X_REQUEST_ID="trace-42")
    assert response["X-Request-ID"] == "trace-42"
    assert response.json()["error"]["request_id"] == "trace-42"


def test_a_public_operation_ignores_a_bad_credential(anonymous, organization, owner):
    from memberships.services.invitations import invitation_create

    _invitation, token = invitation_create(
        organization=organization, actor=owner, email="new@example.com", role=Role.MEMBER
    )
    response = anonymous.get(f"/api/v1/invitations/{token}", HTTP_AUTHORIZATION="Bearer nonsense")
    assert response.status_code == 200, response.content


def test_the_audit_log_pages_by_cursor_without_a_count(owner_client, organization, owner):
    for number in range(5):
        owner_client.post(
            f"/api/v1/organizations/{organization.slug}/templates",
            {"name": f"T{number}"},
            format="json",
        )
    path = f"/api/v1/organizations/{organization.slug}/audit-log?page_size=2"
    seen, pages = [], 0
    while path:
        page = owner_client.get(path).json()
        assert "count" not in page
        seen += [row["id"] for row in page["results"]]
        path, pages = page["next"], pages + 1
    assert pages == 3
    assert len(seen) == len(set(seen)) == AuditLog.objects.filter(organization=organization).count()
    filtered = owner_client.get(
        f"/api/v1/organizations/{organization.slug}/audit-log?action=template.created"
    ).json()
    assert len(filtered["results"]) == 5
    assert {row["action"] for row in filtered["results"]} == {"template.created"}


@pytest.mark.parametrize("path", ["templates", "members", "api-keys", "invitations"])
@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("page=abc", "page"),
        ("page=0", "page"),
        ("page_size=abc", "page_size"),
        ("page_size=0", "page_size"),
        ("page_size=201", "page_size"),
    ],
)
def test_a_page_or_page_size_that_is_not_one_is_a_400_naming_it(
    owner_client, organization, path, query, name
):
    response = owner_client.get(f"/api/v1/organizations/{organization.slug}/{path}?{query}")
    error = assert_refused(response, code=f"invalid_{name}")
    assert list(error["fields"]) == [name]


def test_the_document_bounds_every_page_size_it_declares(client):
    document = client.get("/api/schema/?format=json").json()
    sizes = [
        parameter["schema"]
        for item in document["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict)
        for parameter in operation.get("parameters", [])
        if parameter["name"] in ("page", "page_size")
    ]
    assert len(sizes) > 20
    assert all(schema["minimum"] == 1 for schema in sizes)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/organizations/{org}/templates/not-an-id",
        "/api/v1/organizations/{org}/templates/tpl_01ARZ3NDEKTSV4RRFFQ69G5FAV",  # upper case
        "/api/v1/organizations/a.b/templates",
        "/api/v1/organizations/{org}/members/mem_" + "0" * 27,
        "/api/v1/invite-codes/ab_cd/join",
    ],
)
@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_a_path_name_of_the_wrong_shape_is_the_json_404(owner_client, organization, path, method):
    response = getattr(owner_client, method)(path.format(org=organization.slug))
    assert_refused(response, status=404, code="not_found")


def test_every_path_parameter_has_the_pattern_the_server_routes_by(client):
    document = client.get("/api/schema/?format=json").json()
    parameters = {
        parameter["name"]: parameter["schema"]
        for item in document["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict)
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "path"
    }
    assert len(parameters) >= 15
    assert all(schema.get("pattern", "").startswith("^") for schema in parameters.values())
    assert parameters["template_id"]["pattern"] == "^[a-z]{2,4}_[0-7][0-9a-hjkmnp-tv-z]{25}$"


def test_a_path_with_a_line_break_is_the_json_404(owner_client):
    response = owner_client.get("/api/v1/organizations/%0A/scim-tokens")
    assert_refused(response, status=404, code="not_found")


def test_an_empty_page_parameter_is_a_400(owner_client, organization):
    response = owner_client.get(f"/api/v1/organizations/{organization.slug}/templates?page=")
    assert_refused(response, code="invalid_page")

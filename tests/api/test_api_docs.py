"""What the API documentation tells its readers: a public description for every operation and no
notes meant for the code's maintainers, the bearer token first, and `X-API-Key` for organization
API keys only (a personal token there is refused, with a message that says where it goes)."""

import inspect
import re

import pytest
from django.urls import get_resolver

from causeloop.web.api.base import ApiView, OrganizationEndpoint, PlatformEndpoint
from memberships.services.tokens import personal_token_create
from organizations.models import Template
from organizations.services.api_keys import api_key_provision
from tests.api.conftest import client_with, error_code, token_client

pytestmark = pytest.mark.django_db

# Words of the code, not of the API: none belongs in what a client reads.
INTERNAL = re.compile(
    r"serializer|queryset|handler|\bself\.|nested|causeloop\.|endpoint`|enter_|"
    r"a third of the request|schema tests|docstring",
    re.IGNORECASE,
)


@pytest.fixture
def document(client):
    return client.get("/api/schema/?format=json").json()


def operations(document):
    return [
        (f"{method.upper()} {path}", spec)
        for path, item in document["paths"].items()
        for method, spec in item.items()
    ]


def test_every_operation_has_a_public_description(document):
    assert len(operations(document)) >= 45
    for name, spec in operations(document):
        description = spec.get("description", "")
        assert len(description) >= 20, f"{name} has no description"
        found = INTERNAL.search(description)
        assert found is None, f"{name}: {found and found.group()!r} in {description!r}"


def test_every_operation_has_a_short_unique_imperative_summary(document):
    summaries = {}
    for name, spec in operations(document):
        summary = spec.get("summary", "")
        assert summary.strip(), f"{name} has no summary"
        assert len(summary) <= 60, f"{name}: {summary!r} is longer than 60 characters"
        assert not summary.endswith("."), f"{name}: {summary!r} ends with a period"
        assert summary[0].isupper(), f"{name}: {summary!r}"
        assert summary not in summaries, f"{name} and {summaries.get(summary)}: {summary!r}"
        summaries[summary] = name
        assert summary != spec.get("description"), name


def test_no_component_describes_how_it_is_built(document):
    for name, schema in document["components"]["schemas"].items():
        description = schema.get("description", "")
        found = INTERNAL.search(description) or re.search(r"\brenders\b", description, re.I)
        assert found is None, f"{name}: {description!r}"


def test_no_view_docstring_leaks_into_the_document(document):
    views = {ApiView, OrganizationEndpoint, PlatformEndpoint}
    for pattern in get_resolver().url_patterns:
        for sub in getattr(pattern, "url_patterns", []):
            view = getattr(sub.callback, "view_class", None)
            if view is not None:
                views.add(view)
    docstrings = [inspect.getdoc(view) for view in views if inspect.getdoc(view)]
    descriptions = [spec.get("description", "") for _, spec in operations(document)]
    for docstring in docstrings:
        first_line = docstring.splitlines()[0]
        assert not any(first_line in description for description in descriptions), first_line


def test_me_says_what_it_answers_and_nothing_of_how_it_is_built(document):
    description = document["paths"]["/api/v1/me"]["get"]["description"]
    assert description.startswith("Who is calling")
    assert "MeSerializer" not in description
    assert "serializers" not in description


def test_the_authorize_dialog_leads_with_the_bearer_token(document):
    schemes = list(document["components"]["securitySchemes"])
    assert schemes == ["bearerAuth", "apiKeyHeader", "sessionAuth", "rootKey"]
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert (
        "Personal access tokens are refused"
        in (document["components"]["securitySchemes"]["apiKeyHeader"]["description"])
    )


def test_each_way_to_authenticate_is_an_alternative_bearer_first(document):
    for name, spec in operations(document):
        security = spec.get("security")
        if not security:  # public
            continue
        assert all(len(requirement) == 1 for requirement in security), name
        named = [next(iter(requirement)) for requirement in security]
        if "bearerAuth" in named:
            assert named[0] == "bearerAuth", name
            assert "apiKeyHeader" in named, name


def test_a_personal_token_is_refused_as_x_api_key(member):
    _token, secret = personal_token_create(user=member)
    response = client_with(HTTP_X_API_KEY=secret).get("/api/v1/me")
    assert response.status_code == 401
    assert error_code(response) == "authentication_failed"
    message = response.json()["error"]["message"]
    assert "X-API-Key takes an organization API key only" in message
    assert "Authorization: Bearer" in message
    # The same token as a bearer token is accepted.
    accepted = client_with(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/me")
    assert accepted.status_code == 200
    assert accepted.json()["user"]["email"] == member.email


def test_a_personal_token_in_x_api_key_changes_nothing(member, organization):
    _token, secret = personal_token_create(user=member)
    response = client_with(HTTP_X_API_KEY=secret).post(
        f"/api/v1/organizations/{organization.slug}/templates",
        {"name": "Via the wrong header"},
        format="json",
    )
    assert response.status_code == 401
    assert not Template.objects.filter(organization=organization).exists()


def test_an_organization_api_key_is_accepted_as_x_api_key(organization):
    _key, secret = api_key_provision(organization=organization, name="header")
    response = client_with(HTTP_X_API_KEY=secret).get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["active_organization"]["slug"] == organization.slug


def test_a_bearer_personal_token_wins_over_an_x_api_key_header(member):
    client = token_client(member)
    response = client.get("/api/v1/me", HTTP_X_API_KEY="cl_pat_whatever")
    assert response.status_code == 200


def _schemas(node, path="#"):
    """Every schema-like object of the document, with where it is."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _schemas(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _schemas(item, f"{path}/{index}")


def test_nullable_is_never_without_a_type(document):
    # OpenAPI 3.0.3: `nullable` means something only beside `type` (Redocly's
    # nullable-type-sibling); a nullable object is "this or null" instead.
    for path, schema in _schemas(document):
        if schema.get("nullable") is True:
            assert "type" in schema, path


def test_a_nullable_nested_object_is_the_object_or_null(document):
    me = document["components"]["schemas"]["Me"]["properties"]
    # OpenAPI 3.1: JSON Schema's own null, no `nullable` keyword beside a $ref.
    assert me["user"]["oneOf"] == [{"$ref": "#/components/schemas/User"}, {"type": "null"}]
    assert me["active_organization"]["oneOf"] == [
        {"$ref": "#/components/schemas/OrganizationSummary"},
        {"type": "null"},
    ]
    assert "allOf" not in me["user"]
    assert "nullable" not in me["user"]
    assert me["user"]["description"] == "Null when an API key is calling."


# Fields of a fixed set of values: a response never gives them as a free string.
FIXED_SETS = {"role", "kind", "status", "state", "plan", "billing_status", "scope", "policy"}


def _resolve(document, schema):
    ref = schema.get("$ref")
    if ref is None:
        return schema
    return document["components"]["schemas"][ref.removeprefix("#/components/schemas/")]


def _is_enum(document, schema):
    schema = _resolve(document, schema)
    if "enum" in schema:
        return True
    branches = schema.get("oneOf", []) + schema.get("allOf", []) + schema.get("anyOf", [])
    named = [_resolve(document, branch) for branch in branches]
    return any(branch.get("enum", [None]) != [None] for branch in named)


def _objects(document, schema, seen):
    """Every object schema reachable from `schema`, each once."""
    key = schema.get("$ref") or id(schema)
    if key in seen:
        return
    seen.add(key)
    schema = _resolve(document, schema)
    if "properties" in schema:
        yield schema
    children = [*schema.get("properties", {}).values()]
    children += schema.get("oneOf", []) + schema.get("allOf", []) + schema.get("anyOf", [])
    if isinstance(schema.get("items"), dict):
        children.append(schema["items"])
    for child in children:
        yield from _objects(document, child, seen)


def test_no_response_gives_a_fixed_set_as_a_free_string(document):
    checked = set()
    for name, spec in operations(document):
        for status, response in spec["responses"].items():
            for media in response.get("content", {}).values():
                for obj in _objects(document, media["schema"], set()):
                    for field, schema in obj["properties"].items():
                        if field in FIXED_SETS:
                            assert _is_enum(document, schema), f"{name} {status}: {field}"
                            checked.add(field)
    assert {"role", "kind", "status", "state"} <= checked

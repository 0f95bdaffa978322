"""Bad input anywhere gets 400 with the error shape and changes nothing."""

import pytest
from django.apps import apps
from django.core.cache import cache

from memberships.models import Membership
from memberships.roles import Role
from tests.factories import TemplateFactory

pytestmark = pytest.mark.django_db

HUGE = "x" * 100_000

# (method, path, the fields the endpoint writes and a valid value for each)
WRITERS = [
    (
        "post",
        "/auth/register",
        {"email": "n@example.com", "password": "a-long-passphrase-9", "name": "N"},
    ),
    (
        "post",
        "/auth/tokens",
        {"email": "n@example.com", "password": "a-long-passphrase-9", "name": "N"},
    ),
    (
        "post",
        "/organizations",
        {"name": "New", "slug": "new-org", "plan": "free", "timezone": "UTC"},
    ),
    ("patch", "/organizations/{org}", {"name": "New", "slug": "new-org", "timezone": "UTC"}),
    ("post", "/organizations/{org}/members", {"email": "n@example.com", "role": "member"}),
    ("patch", "/organizations/{org}/members/{mem}", {"role": "admin"}),
    ("post", "/organizations/{org}/transfer-ownership", {"membership_id": "{mem}"}),
    ("post", "/organizations/{org}/invitations", {"email": "n@example.com", "role": "member"}),
    ("post", "/invitations", {"email": "n@example.com", "role": "member"}),
    ("post", "/organizations/{org}/invite-codes", {"expires_in_days": 3}),
    ("post", "/organizations/{org}/api-keys", {"name": "CI"}),
    (
        "patch",
        "/organizations/{org}/branding",
        {"primary_color": "#123456", "secondary_color": "#ffffff"},
    ),
    (
        "post",
        "/organizations/{org}/templates",
        {"name": "T", "kind": "agent", "description": "d", "body": "b"},
    ),
    ("patch", "/organizations/{org}/templates/{tpl}", {"name": "T", "kind": "agent"}),
    ("post", "/gdpr/export-requests", {"organization": "{org}"}),
    ("post", "/governance/rtbf/requests", {"email": "n@example.com", "mode": "erasure"}),
]

BAD_VALUES = {
    "huge": HUGE,
    "nul": "bad\x00value",
    "control": "bad\x07value",
    "number": 12345,
    "list": ["a"],
    "object": {"a": 1},
    "null": None,
}


def _state():
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in {"organizations", "memberships", "causeloop"}
    } | {"roles": sorted(Membership.objects.values_list("role", flat=True))}


@pytest.fixture
def world(as_user, organization, owner, make_member):
    cache.clear()
    member = make_member(organization, Role.MEMBER)
    template = TemplateFactory(organization=organization)
    names = {
        "org": organization.pk,
        "mem": Membership.objects.get(user=member).pk,
        "tpl": template.pk,
    }
    return as_user(owner), names


def _fill(value, names):
    return value.format(**names) if isinstance(value, str) else value


def _cases():
    for method, path, fields in WRITERS:
        for field in fields:
            for label in BAD_VALUES:
                if field == "password" and label in ("huge", "control"):
                    continue  # a long or odd password is a password; other fields cover these
                if field == "body" and label == "huge":
                    continue  # 100,000 characters is a valid body (the limit is 100 KiB)
                yield pytest.param(
                    method, path, fields, field, label, id=f"{method} {path} {field}={label}"
                )


@pytest.mark.parametrize(("method", "path", "fields", "field", "label"), list(_cases()))
def test_a_bad_value_is_refused_and_changes_nothing(world, method, path, fields, field, label):
    client, names = world
    body = {name: _fill(value, names) for name, value in fields.items()}
    body[field] = BAD_VALUES[label]
    before = _state()
    response = getattr(client, method)(f"/api/v1{_fill(path, names)}", body, format="json")
    assert response.status_code in (400, 404, 401), response.content
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields"} and error["message"]
    assert _state() == before


@pytest.mark.parametrize(("method", "path"), [(m, p) for m, p, _fields in WRITERS])
@pytest.mark.parametrize(
    "raw", ["{not json", "[1, 2]", '"text"', "null", '{"unknown_field": 1}'], ids=str
)
def test_a_body_that_is_not_the_expected_object_is_400(world, method, path, raw):
    client, names = world
    before = _state()
    response = getattr(client, method)(
        f"/api/v1{_fill(path, names)}", raw, content_type="application/json"
    )
    assert response.status_code in (400, 401), response.content
    assert "error" in response.json()
    assert _state() == before


def test_unknown_paths_and_methods_answer_the_error_shape(world):
    client, names = world
    missing = client.get("/api/v1/nothing/here")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    not_allowed = client.put(f"/api/v1/organizations/{names['org']}/members", {}, format="json")
    assert not_allowed.status_code == 405
    assert not_allowed.json()["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    "reference", ["x" * 500, "org_", "%00", "../../etc", "ORG_01ZZZZZZZZZZZZZZZZZZZZZZZZ", "-1"]
)
def test_any_reference_that_names_nothing_is_404(world, reference):
    client, _names = world
    response = client.get(f"/api/v1/organizations/{reference}/templates")
    assert response.status_code == 404

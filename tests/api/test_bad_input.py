"""Bad input anywhere gets 400 with the error shape and changes nothing."""

import json
import time

import pytest

from memberships.models import User
from tests.api.conftest import assert_refused, database_state
from tests.hostile import (
    nested,
)

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
    (
        "post",
        "/organizations/{org}/integrations",
        {"name": "OpenAI", "kind": "openai", "credential": "sk-test-0123456789"},
    ),
    (
        "patch",
        "/organizations/{org}/integrations/{int}",
        {"name": "OpenAI", "credential": "sk-test-0123456789"},
    ),
    ("post", "/organizations/{org}/runs", {"name": "nightly"}),
    ("post", "/organizations/{org}/runs/{run}/finish", {"status": "succeeded"}),
    (
        "post",
        "/organizations/{org}/webhooks",
        {
            "url": "https://93.184.216.34/hooks",
            "description": "d",
            "event_types": ["member.*"],
            "enabled": True,
        },
    ),
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
    before = database_state()
    response = getattr(client, method)(f"/api/v1{_fill(path, names)}", body, format="json")
    # 403: a role check answers before the body is looked at (SPEC §5).
    assert response.status_code in (400, 401, 403, 404), response.content
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields", "request_id"}
    assert error["request_id"] == response["X-Request-ID"]
    assert error["message"]
    assert database_state() == before


@pytest.mark.parametrize(("method", "path"), [(m, p) for m, p, _fields in WRITERS])
@pytest.mark.parametrize(
    "raw", ["{not json", "[1, 2]", '"text"', "null", '{"unknown_field": 1}'], ids=str
)
def test_a_body_that_is_not_the_expected_object_is_400(world, method, path, raw):
    client, names = world
    before = database_state()
    response = getattr(client, method)(
        f"/api/v1{_fill(path, names)}", raw, content_type="application/json"
    )
    assert response.status_code in (400, 401), response.content
    assert "error" in response.json()
    assert database_state() == before


def test_unknown_paths_and_methods_answer_the_error_shape(world):
    client, names = world
    missing = client.get("/api/v1/nothing/here")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    not_allowed = client.put(f"/api/v1/organizations/{names['org']}/members", {}, format="json")
    assert not_allowed.status_code == 405
    assert not_allowed.json()["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    "reference", ["x" * 500, "org_", "../../etc", "ORG_01ZZZZZZZZZZZZZZZZZZZZZZZZ", "-1"]
)
def test_any_reference_that_names_nothing_is_404(world, reference):
    client, _names = world
    response = client.get(f"/api/v1/organizations/{reference}/templates")
    assert response.status_code == 404


# --- refused at the boundary (SPEC §8 Input) -------------------------------------------------


# Raw JSON texts: `json.dumps` spells a lone surrogate as the escape `\ud800`, as an attacker would.
HOSTILE_BODIES = {
    "nested 3,000 deep": lambda body: json.dumps(body)[:-1] + ', "deep": ' + nested(3000) + "}",
    "nested 33 deep": lambda body: json.dumps({**body, "deep": json.loads(nested(32))}),
    "NUL in a value": lambda body: json.dumps({key: "x\u0000y" for key in body}),
    "NUL in a key": lambda body: json.dumps({**body, "k\u0000": 1}),
    "lone surrogate in a value": lambda body: json.dumps({key: "\ud800" for key in body}),
    "lone surrogate in a key": lambda body: json.dumps({**body, "\udfff": 1}),
    "NUL inside a list": lambda body: json.dumps({**body, "list": [["ok", "\u0000"]]}),
}


@pytest.mark.parametrize("hostile", list(HOSTILE_BODIES))
@pytest.mark.parametrize(
    ("method", "path", "fields"), WRITERS, ids=[f"{m} {p}" for m, p, _ in WRITERS]
)
def test_hostile_json_is_refused_at_the_boundary(world, method, path, fields, hostile):
    client, names = world
    body = {name: _fill(value, names) for name, value in fields.items()}
    before = database_state()
    response = getattr(client, method)(
        f"/api/v1{_fill(path, names)}",
        HOSTILE_BODIES[hostile](body),
        content_type="application/json",
    )
    assert_refused(response)
    assert database_state() == before


@pytest.mark.parametrize("path", ["/api/v1/auth/tokens", "/api/v1/auth/register"])
def test_json_nested_3000_deep_is_400_not_500_before_sign_in(anonymous, path):
    body = (
        '{"email": "n@example.com", "password": "a-long-passphrase-9", "x": ' + nested(3000) + "}"
    )
    response = anonymous.post(path, body, content_type="application/json")
    assert_refused(response)
    assert not User.objects.exists()


def test_nesting_up_to_32_deep_is_still_parsed(world):
    client, names = world
    deep = json.loads(nested(30))  # with the body and `settings` objects: 32 deep
    response = client.patch(
        f"/api/v1/organizations/{names['org']}",
        json.dumps({"settings": {"deep": deep}}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["settings"]["deep"] == deep


def test_brackets_inside_strings_are_not_nesting(world):
    client, names = world
    body = '{"name": "T", "kind": "agent", "body": "[[[{{{\\"[[[' + "[{" * 500 + '"}'
    response = client.post(
        f"/api/v1/organizations/{names['org']}/templates", body, content_type="application/json"
    )
    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    "body",
    [
        '"' + '\\"' * 1_000_000,  # a string that never ends, one escaped quote after another
        '["' + '\\"[' * 600_000,
    ],
)
def test_a_pathological_body_is_answered_in_linear_time(anonymous, body):
    started = time.monotonic()
    response = anonymous.post("/api/v1/auth/tokens", body, content_type="application/json")
    assert response.status_code == 400
    assert time.monotonic() - started < 5  # a quadratic scan of these takes hours


@pytest.mark.parametrize(
    ("settings_value", "field"),
    [
        ({"a": "x\u0000y"}, "settings.a"),
        ({"a\u0000": 1}, "settings"),
        ({"a": "\ud800"}, "settings.a"),
        ({"a": {"b": ["ok", "\udc00"]}}, "settings.a.b.1"),
    ],
)
def test_nul_and_lone_surrogates_in_settings_areassert_refused(
    world, organization, settings_value, field
):
    client, names = world
    organization.refresh_from_db()
    settings_before = organization.settings
    response = client.patch(
        f"/api/v1/organizations/{names['org']}",
        json.dumps({"settings": settings_value}),
        content_type="application/json",
    )
    error = assert_refused(response)
    assert field in error["fields"]
    organization.refresh_from_db()
    assert organization.settings == settings_before


@pytest.mark.parametrize("value", ["%00", "a%00b", "%ED%A0%80", "%07", "%C3"])
@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/organizations/{org}/members", "search"),
        ("/organizations/{org}/audit-log", "action"),
        ("/organizations/{org}/events", "type"),
        ("/organizations/{org}/events", "after"),
        ("/organizations/{org}/members", "role"),
        ("/organizations", "page"),
        ("/organizations/{org}/members", "%00key"),
    ],
)
def test_nul_control_characters_and_bad_utf8_in_a_query_string_are_400(
    world, path, parameter, value
):
    client, names = world
    response = client.get(f"/api/v1{_fill(path, names)}?{parameter}={value}")
    assert_refused(response)


def test_a_query_string_of_plain_text_still_works(world, owner):
    client, names = world
    response = client.get(
        f"/api/v1/organizations/{names['org']}/members?search={owner.email.split('@')[0]}+%C3%A9"
    )
    assert response.status_code == 200


@pytest.mark.parametrize("segment", ["%00", "org%00", "%ED%A0%80", "%1B%5B31m"])
def test_nul_control_characters_and_bad_utf8_in_a_path_are_400(world, segment):
    client, _names = world
    assert_refused(client.get(f"/api/v1/organizations/{segment}/templates"))


@pytest.mark.parametrize("value", ["acme\u0000corp", "\ud800", "\udfff-corp"])
def test_the_platform_dry_run_refuses_nul_and_lone_surrogates(as_root, value):
    body = {"org_slug": value, "company_name": value, "admin_email": value}
    before = database_state()
    response = as_root.post(
        "/api/v1/organizations/dryrun", json.dumps(body), content_type="application/json"
    )
    assert_refused(response)
    assert database_state() == before


@pytest.mark.parametrize("path", ["/api/v1/auth/tokens", "/api/v1/organizations"])
def test_a_json_body_over_the_limit_is_413_with_the_error_shape(world, settings, path):
    client, _names = world
    body = json.dumps({"email": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    before = database_state()
    response = client.post(path, body, content_type="application/json")
    assert_refused(response, status=413, code="payload_too_large")
    assert database_state() == before


def test_invalid_utf8_in_a_json_body_is_400(world):
    client, names = world
    response = client.patch(
        f"/api/v1/organizations/{names['org']}",
        b'{"name": "\xed\xa0\x80"}',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] in ("invalid_input", "parse_error")

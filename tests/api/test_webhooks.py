"""`/organizations/{org}/webhooks`: admins, owners and API keys add, list, change and remove
endpoints; analysts and members are refused; the signing secret is shown once, when an endpoint
is added or its secret rotated, and a PATCH changes only what it sends."""

import json

import pytest

from causeloop.core.crypto import decrypt
from causeloop.models import IdempotencyRecord
from organizations.models import AuditLog, Event
from tests.api.conftest import assert_refused, error_code
from tests.api.usage_data import CALLERS, WRITERS, client_for
from tests.api.webhook_data import HOOK_URL, make_deliveries, make_endpoint, webhook_state
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

FIELDS = {
    "id",
    "url",
    "description",
    "event_types",
    "enabled",
    "disabled_reason",
    "failing_since",
    "previous_secret_expires_at",
    "created_by",
    "created_at",
    "updated_at",
}
OTHER_URL = "https://198.51.100.7/other"  # TEST-NET-2: reserved, so refused as not public
PUBLIC_URL = "https://8.8.4.4/receiver"


def _url(organization, suffix=""):
    return f"/api/v1/organizations/{organization.pk}/webhooks{suffix}"


@pytest.fixture
def caller_client(as_user, as_key, make_member, organization):
    def make(caller):
        return client_for(
            caller, organization, as_user=as_user, as_key=as_key, make_member=make_member
        )

    return make


def _stored_secret(endpoint_id):
    return decrypt(bytes(WebhookEndpoint.objects.get(pk=endpoint_id).secret)).decode()


# --- roles: every operation, every caller -----------------------------------------------------

# (method, suffix under …/webhooks, body, the status an allowed caller gets)
OPERATIONS = [
    ("get", "", None, 200),
    ("post", "", {"url": PUBLIC_URL}, 201),
    ("get", "/{whe}", None, 200),
    ("patch", "/{whe}", {"description": "Changed"}, 200),
    ("delete", "/{whe}", None, 204),
    ("post", "/{whe}/rotate-secret", None, 200),
    ("post", "/{whe}/test", None, 202),
    ("get", "/{whe}/deliveries", None, 200),
    ("post", "/{whe}/deliveries/{dlv}/retry", None, 202),
]


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(
    ("method", "suffix", "body", "allowed"),
    OPERATIONS,
    ids=[f"{method} {suffix or '/'}" for method, suffix, _body, _allowed in OPERATIONS],
)
def test_only_admins_owners_and_api_keys_use_webhooks(
    caller_client, organization, caller, method, suffix, body, allowed
):
    endpoint = make_endpoint(organization)
    (delivery,) = make_deliveries(endpoint, 1, state=WebhookDelivery.State.FAILED)
    client = caller_client(caller)
    before, trail = webhook_state(organization), AuditLog.objects.count()
    path = _url(organization, suffix.format(whe=endpoint.pk, dlv=delivery.pk))
    response = getattr(client, method)(path, body, format="json")
    if caller in WRITERS:
        assert response.status_code == allowed, response.content
        if method != "get":
            assert webhook_state(organization) != before
    else:
        error = assert_refused(response, status=403, code="permission_denied")
        assert "admin role" in error["message"]
        assert webhook_state(organization) == before
        assert AuditLog.objects.count() == trail


def test_a_member_is_refused_before_the_body_is_looked_at(caller_client, organization):
    response = caller_client("analyst").post(_url(organization), {"url": 12}, format="json")
    assert_refused(response, status=403, code="permission_denied")


def test_no_credentials_is_401(anonymous, organization):
    endpoint = make_endpoint(organization)
    assert anonymous.get(_url(organization)).status_code == 401
    assert anonymous.post(_url(organization), {"url": PUBLIC_URL}, format="json").status_code == 401
    assert anonymous.post(_url(organization, f"/{endpoint.pk}/test")).status_code == 401
    assert WebhookEndpoint.objects.count() == 1
    assert not WebhookDelivery.objects.exists()


# --- create, list, show -----------------------------------------------------------------------


@pytest.mark.parametrize("caller", sorted(WRITERS))
def test_an_endpoint_is_added_with_its_secret_shown_once(caller_client, organization, caller):
    client = caller_client(caller)
    created = client.post(
        _url(organization),
        {
            "url": PUBLIC_URL,
            "description": "Billing sync",
            "event_types": ["member.*", "run.finished"],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert set(body) == FIELDS | {"secret"}
    assert body["secret"].startswith("whsec_")
    assert body["url"] == PUBLIC_URL
    assert body["event_types"] == ["member.*", "run.finished"]
    assert (body["enabled"], body["disabled_reason"]) == (True, "")
    assert "no-store" in created["Cache-Control"]
    assert _stored_secret(body["id"]) == body["secret"]
    assert (body["created_by"] is None) == (caller == "api_key")
    assert AuditLog.objects.filter(action="webhook_endpoint.created", target_id=body["id"]).exists()

    listed = client.get(_url(organization))
    shown = client.get(_url(organization, f"/{body['id']}"))
    assert listed.status_code == shown.status_code == 200
    assert listed.json()["count"] == 1
    assert set(listed.json()["results"][0]) == FIELDS
    assert set(shown.json()) == FIELDS
    # Nowhere else: not in a read, the audit trail, the events or the stored idempotent answer.
    elsewhere = json.dumps(
        [
            listed.json(),
            shown.json(),
            list(AuditLog.objects.values_list("details", flat=True)),
            list(Event.objects.values_list("data", flat=True)),
        ]
    )
    assert body["secret"] not in elsewhere
    assert body["secret"].removeprefix("whsec_") not in elsewhere


def test_an_endpoint_may_start_disabled_and_defaults_to_every_type(caller_client, organization):
    created = caller_client("admin").post(
        _url(organization), {"url": PUBLIC_URL, "enabled": False}, format="json"
    )
    assert created.status_code == 201, created.content
    assert (created.json()["enabled"], created.json()["disabled_reason"]) == (False, "manual")
    assert created.json()["event_types"] == []
    assert created.json()["description"] == ""


def test_a_retried_create_with_an_idempotency_key_adds_one_endpoint(caller_client, organization):
    client = caller_client("owner")
    body = {"url": PUBLIC_URL, "event_types": ["member.joined"]}
    first = client.post(_url(organization), body, format="json", HTTP_IDEMPOTENCY_KEY="hook-1")
    again = client.post(_url(organization), body, format="json", HTTP_IDEMPOTENCY_KEY="hook-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert "no-store" in again["Cache-Control"]
    assert WebhookEndpoint.objects.filter(organization=organization).count() == 1
    for record in IdempotencyRecord.objects.all():  # stored sealed, as every replay is
        assert first.json()["secret"].encode() not in bytes(record.response_body)
    other = client.post(
        _url(organization), {"url": OTHER_URL}, format="json", HTTP_IDEMPOTENCY_KEY="hook-1"
    )
    assert_refused(other, status=409, code="idempotency_key_reused")


def test_the_list_is_paginated_oldest_first(caller_client, organization):
    endpoints = [make_endpoint(organization, description=f"n{n}") for n in range(3)]
    response = caller_client("admin").get(_url(organization) + "?page_size=2")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [row["id"] for row in body["results"]] == [e.pk for e in endpoints[:2]]
    assert "page=2" in (body["next"] or "")
    rest = caller_client("admin").get(body["next"])
    assert [row["id"] for row in rest.json()["results"]] == [endpoints[2].pk]


def test_the_endpoint_limit_is_a_409_and_adds_nothing(caller_client, organization, settings):
    settings.CAUSELOOP_WEBHOOK_ENDPOINTS_LIMIT = 2
    make_endpoint(organization)
    client = caller_client("admin")
    assert client.post(_url(organization), {"url": PUBLIC_URL}, format="json").status_code == 201
    before = webhook_state(organization)
    response = client.post(_url(organization), {"url": PUBLIC_URL}, format="json")
    error = assert_refused(response, status=409, code="webhook_endpoint_limit_reached")
    assert error["fields"] == {"limit": ["2"]}
    assert webhook_state(organization) == before


# --- change, remove, rotate -------------------------------------------------------------------


def _row(endpoint):
    endpoint.refresh_from_db()
    return {
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": endpoint.event_types,
        "enabled": endpoint.enabled,
        "secret": bytes(endpoint.secret),
    }


@pytest.mark.parametrize(
    ("sent", "changed"),
    [
        ({"url": PUBLIC_URL}, {"url": PUBLIC_URL}),
        ({"description": "New words"}, {"description": "New words"}),
        ({"event_types": ["run.*"]}, {"event_types": ["run.*"]}),
        ({"event_types": []}, {"event_types": []}),
        ({"enabled": True}, {"enabled": True}),
    ],
    ids=str,
)
def test_a_patch_changes_only_the_fields_it_sends(caller_client, organization, sent, changed):
    # Disabled, described and filtered: a default for any field not sent would show.
    endpoint = make_endpoint(
        organization,
        description="Old words",
        event_types=["member.joined", "run.started"],
        enabled=False,
    )
    before = _row(endpoint)
    response = caller_client("admin").patch(
        _url(organization, f"/{endpoint.pk}"), sent, format="json"
    )
    assert response.status_code == 200, response.content
    assert _row(endpoint) == {**before, **changed}
    assert {key: response.json()[key] for key in changed} == changed
    assert "secret" not in response.json()
    assert AuditLog.objects.filter(action="webhook_endpoint.updated").count() == 1


def test_enabling_again_clears_the_failure_streak(caller_client, organization):
    endpoint = make_endpoint(organization, enabled=False)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        disabled_reason="failing", failing_since="2025-01-01T00:00:00Z"
    )
    response = caller_client("owner").patch(
        _url(organization, f"/{endpoint.pk}"), {"enabled": True}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["enabled"], response.json()["disabled_reason"]) == (True, "")
    assert response.json()["failing_since"] is None


def test_an_empty_patch_changes_nothing(caller_client, organization):
    endpoint = make_endpoint(organization, description="Keep")
    before, trail = _row(endpoint), AuditLog.objects.count()
    response = caller_client("admin").patch(
        _url(organization, f"/{endpoint.pk}"), {}, format="json"
    )
    assert response.status_code == 200
    assert _row(endpoint) == before
    assert AuditLog.objects.count() == trail


def test_removing_an_endpoint_removes_its_delivery_log(caller_client, organization):
    endpoint = make_endpoint(organization)
    make_deliveries(endpoint, 3)
    kept = make_endpoint(organization)
    response = caller_client("api_key").delete(_url(organization, f"/{endpoint.pk}"))
    assert response.status_code == 204
    assert list(WebhookEndpoint.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not WebhookDelivery.objects.exists()
    assert AuditLog.objects.filter(action="webhook_endpoint.deleted").count() == 1
    again = caller_client("admin").get(_url(organization, f"/{endpoint.pk}"))
    assert again.status_code == 404


def test_rotating_the_secret_shows_a_new_one_once(caller_client, organization):
    client = caller_client("admin")
    created = client.post(_url(organization), {"url": PUBLIC_URL}, format="json").json()
    path = _url(organization, f"/{created['id']}/rotate-secret")
    rotated = client.post(path)
    assert rotated.status_code == 200, rotated.content
    assert set(rotated.json()) == FIELDS | {"secret"}
    assert "no-store" in rotated["Cache-Control"]
    new = rotated.json()["secret"]
    assert new.startswith("whsec_")
    assert new != created["secret"]
    assert _stored_secret(created["id"]) == new
    assert rotated.json()["previous_secret_expires_at"] is not None
    endpoint = WebhookEndpoint.objects.get(pk=created["id"])
    assert decrypt(bytes(endpoint.previous_secret)).decode() == created["secret"]
    shown = client.get(_url(organization, f"/{created['id']}"))
    listed = client.get(_url(organization))
    for response in (shown, listed):
        assert new not in response.content.decode()
        assert created["secret"] not in response.content.decode()
    assert AuditLog.objects.filter(action="webhook_endpoint.secret_rotated").count() == 1


# --- bad input --------------------------------------------------------------------------------

BAD_BODIES = {
    "url missing": {"description": "No URL"},
    "url plain http": {"url": "http://93.184.216.34/hooks"},
    "url loopback": {"url": "https://127.0.0.1/hooks"},
    "url private": {"url": "https://10.0.0.8/hooks"},
    "url metadata": {"url": "https://169.254.169.254/latest"},
    "url reserved": {"url": OTHER_URL},
    "url with credentials": {"url": "https://user:pw@93.184.216.34/hooks"},
    "url not a url": {"url": "not a url"},
    "url a number": {"url": 42},
    "url too long": {"url": HOOK_URL + "/" + "a" * 2000},
    "unknown event type": {"url": HOOK_URL, "event_types": ["member.joined", "member.jumped"]},
    "event types not a list": {"url": HOOK_URL, "event_types": "member.joined"},
    "event types of numbers": {"url": HOOK_URL, "event_types": [1, 2]},
    "event types null": {"url": HOOK_URL, "event_types": None},
    "too many event types": {"url": HOOK_URL, "event_types": ["member.*"] * 101},
    "description too long": {"url": HOOK_URL, "description": "d" * 201},
    "description a list": {"url": HOOK_URL, "description": ["d"]},
    "description with a control character": {"url": HOOK_URL, "description": "bell\x07"},
    "enabled a string": {"url": HOOK_URL, "enabled": "true"},
    "enabled a number": {"url": HOOK_URL, "enabled": 1},
    "enabled null": {"url": HOOK_URL, "enabled": None},
    "unknown field": {"url": HOOK_URL, "secret": "whsec_mine"},
}


def _bad_field(body):
    if "url" not in body:
        return "url"
    return next((name for name in body if name != "url"), "url")


@pytest.mark.parametrize("body", list(BAD_BODIES.values()), ids=list(BAD_BODIES))
def test_a_bad_endpoint_is_refused_and_adds_nothing(caller_client, organization, body):
    client = caller_client("owner")
    before, trail = webhook_state(organization), AuditLog.objects.count()
    response = client.post(_url(organization), body, format="json")
    error = assert_refused(response, code="invalid")
    assert {name.split(".")[0] for name in error["fields"]} == {_bad_field(body)}, error
    assert webhook_state(organization) == before
    assert AuditLog.objects.count() == trail


@pytest.mark.parametrize(
    "body",
    [body for label, body in BAD_BODIES.items() if label != "url missing"],
    ids=[label for label in BAD_BODIES if label != "url missing"],
)
def test_a_bad_change_is_refused_and_changes_nothing(caller_client, organization, body):
    endpoint = make_endpoint(organization, event_types=["run.*"])
    before, trail = webhook_state(organization), AuditLog.objects.count()
    response = caller_client("admin").patch(
        _url(organization, f"/{endpoint.pk}"), body, format="json"
    )
    error = assert_refused(response, code="invalid")
    assert {name.split(".")[0] for name in error["fields"]} == {_bad_field(body)}, error
    assert webhook_state(organization) == before
    assert AuditLog.objects.count() == trail


def test_a_private_url_is_accepted_only_where_allowed(caller_client, organization, settings):
    settings.CAUSELOOP_WEBHOOKS_ALLOW_PRIVATE = True
    response = caller_client("admin").post(
        _url(organization), {"url": "http://127.0.0.1:9/hooks"}, format="json"
    )
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("reference", ["whe_nothing", "x" * 300, "whe_01" + "z" * 24, "-1"])
def test_an_endpoint_that_does_not_exist_is_404(caller_client, organization, reference):
    client = caller_client("admin")
    for method, suffix in (
        ("get", ""),
        ("patch", ""),
        ("delete", ""),
        ("post", "/rotate-secret"),
        ("post", "/test"),
        ("get", "/deliveries"),
    ):
        path = _url(organization, f"/{reference}{suffix}")
        response = getattr(client, method)(path, {"description": "x"}, format="json")
        assert response.status_code == 404, (method, suffix, response.content)
        assert error_code(response) == "not_found"
    assert not WebhookDelivery.objects.exists()

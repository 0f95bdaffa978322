"""Rotating an API key with a grace period (SPEC §11): the new key works at once, the old one
until its `expires_at` (0–168 hours later), both audited; bad grace values change nothing."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from zeal import zeal_ignore

from organizations.models import ApiKey, AuditLog, Event
from tests.api.conftest import assert_refused, client_with, error_code

pytestmark = pytest.mark.django_db


def _keys_url(organization, suffix=""):
    return f"/api/v1/organizations/{organization.pk}/api-keys{suffix}"


def _new_key(client, organization, name="CI"):
    created = client.post(_keys_url(organization), {"name": name}, format="json")
    assert created.status_code == 201, created.content
    return created.json()


def _rotate(client, organization, key_id, body=None, **headers):
    return client.post(
        _keys_url(organization, f"/{key_id}/rotate"),
        body,
        format="json" if body is not None else None,
        **headers,
    )


def _works(secret):
    with zeal_ignore():  # one request of its own, whatever came before
        response = client_with(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/me")
    assert response.status_code in (200, 401), response.content
    return response.status_code == 200


def _listed(client, organization):
    return {row["id"]: row for row in client.get(_keys_url(organization)).json()["results"]}


def _keys():
    return sorted(ApiKey.objects.values_list("pk", "revoked_at", "expires_at"))


@pytest.mark.parametrize("body", [None, {}, {"grace_period_hours": 0}])
def test_without_a_grace_the_old_key_stops_at_once(as_user, organization, admin_user, body):
    client = as_user(admin_user)
    old = _new_key(client, organization)
    rotated = _rotate(client, organization, old["id"], body)
    assert rotated.status_code == 201, rotated.content
    new = rotated.json()
    assert (new["state"], new["expires_at"]) == ("active", None)
    assert not _works(old["key"])
    assert _works(new["key"])
    listed = _listed(client, organization)
    assert (listed[old["id"]]["state"], listed[old["id"]]["revoked"]) == ("revoked", True)
    actions = dict(
        AuditLog.objects.filter(action__in=["api_key.rotated", "api_key.revoked"]).values_list(
            "action", "target_id"
        )
    )
    assert actions == {"api_key.rotated": new["id"], "api_key.revoked": old["id"]}
    rotated_row = AuditLog.objects.get(action="api_key.rotated")
    assert rotated_row.details["grace_period_hours"] == 0
    assert not AuditLog.objects.filter(action="api_key.grace_started").exists()


def test_with_a_grace_both_keys_work_until_it_ends(as_user, organization, admin_user):
    client = as_user(admin_user)
    old = _new_key(client, organization)
    rotated = _rotate(client, organization, old["id"], {"grace_period_hours": 24})
    assert rotated.status_code == 201, rotated.content
    new = rotated.json()
    assert new["state"] == "active"
    assert _works(old["key"])
    assert _works(new["key"])
    # The old key itself still acts as the organization's admin in its grace.
    with zeal_ignore():
        by_old_key = client_with(HTTP_AUTHORIZATION=f"Bearer {old['key']}").get(
            _keys_url(organization)
        )
    assert by_old_key.status_code == 200
    listed = _listed(client, organization)
    old_row = listed[old["id"]]
    assert (old_row["state"], old_row["revoked"]) == ("expiring", False)
    stops = ApiKey.objects.get(pk=old["id"]).expires_at
    assert abs(stops - (timezone.now() + timedelta(hours=24))) < timedelta(minutes=1)
    assert old_row["expires_at"] == stops.isoformat().replace("+00:00", "Z")

    grace = AuditLog.objects.get(action="api_key.grace_started")
    assert (grace.target_id, grace.details["expires_at"]) == (
        old["id"],
        stops.isoformat(timespec="seconds"),
    )
    assert AuditLog.objects.get(action="api_key.rotated").details["grace_period_hours"] == 24
    assert not AuditLog.objects.filter(action="api_key.revoked").exists()
    assert set(Event.objects.values_list("type", flat=True)) >= {
        "api_key.rotated",
        "api_key.grace_started",
    }

    with time_machine.travel(stops - timedelta(seconds=5)):
        assert _works(old["key"])
    with time_machine.travel(stops + timedelta(seconds=1)):
        assert not _works(old["key"])
        assert _works(new["key"])
        assert _listed(client, organization)[old["id"]]["state"] == "expired"


def test_a_key_calling_with_itself_rotates_itself_and_keeps_working(as_key, organization):
    client = as_key(organization)
    own = ApiKey.objects.get()
    rotated = _rotate(client, organization, own.pk, {"grace_period_hours": 1})
    assert rotated.status_code == 201, rotated.content
    assert client.get(_keys_url(organization)).status_code == 200  # the old key, in its grace
    assert _works(rotated.json()["key"])


@pytest.mark.parametrize("ended", ["revoked", "expired"])
def test_a_revoked_or_expired_key_is_not_rotated(as_user, organization, admin_user, ended):
    client = as_user(admin_user)
    old = _new_key(client, organization)
    if ended == "revoked":
        assert client.delete(_keys_url(organization, f"/{old['id']}")).status_code == 204
    else:
        ApiKey.objects.filter(pk=old["id"]).update(expires_at=timezone.now())
    before, audit_rows = _keys(), AuditLog.objects.count()
    refused = _rotate(client, organization, old["id"], {"grace_period_hours": 24})
    assert (refused.status_code, error_code(refused)) == (409, "api_key_revoked")
    assert (_keys(), AuditLog.objects.count()) == (before, audit_rows)


@pytest.mark.parametrize(
    "body",
    [
        {"grace_period_hours": -1},
        {"grace_period_hours": 169},
        {"grace_period_hours": "x"},
        {"grace_period_hours": "24"},
        {"grace_period_hours": True},
        {"grace_period_hours": 1.5},
        {"grace_period_hours": None},
        {"grace_hours": 24},
    ],
)
def test_a_bad_grace_is_400_naming_the_field_and_changes_nothing(
    as_user, organization, admin_user, body
):
    client = as_user(admin_user)
    old = _new_key(client, organization)
    before, audit_rows = _keys(), AuditLog.objects.count()
    error = assert_refused(_rotate(client, organization, old["id"], body), 400, code="invalid")
    assert list(error["fields"]) == list(body)
    assert (_keys(), AuditLog.objects.count()) == (before, audit_rows)
    assert _works(old["key"])


def test_the_longest_grace_is_a_week(as_user, organization, admin_user):
    client = as_user(admin_user)
    old = _new_key(client, organization)
    assert _rotate(client, organization, old["id"], {"grace_period_hours": 168}).status_code == 201
    stops = ApiKey.objects.get(pk=old["id"]).expires_at
    assert abs(stops - (timezone.now() + timedelta(days=7))) < timedelta(minutes=1)


def test_a_grace_never_outlasts_the_keys_own_expiry(as_user, organization, admin_user):
    client = as_user(admin_user)
    soon = timezone.now() + timedelta(hours=2)
    created = client.post(
        _keys_url(organization), {"name": "CI", "expires_at": soon.isoformat()}, format="json"
    ).json()
    rotated = _rotate(client, organization, created["id"], {"grace_period_hours": 48}).json()
    assert ApiKey.objects.get(pk=created["id"]).expires_at == soon
    assert ApiKey.objects.get(pk=rotated["id"]).expires_at == soon  # the new key keeps it too


def test_analysts_and_members_rotate_nothing(as_user, organization, make_member, admin_user):
    old = _new_key(as_user(admin_user), organization)
    for role in ("analyst", "member"):
        client = as_user(make_member(organization, role))
        before = _keys()
        refused = _rotate(client, organization, old["id"], {"grace_period_hours": 24})
        assert (refused.status_code, error_code(refused)) == (403, "permission_denied")
        assert _keys() == before


def test_a_retried_rotation_with_an_idempotency_key_rotates_once(as_user, organization, admin_user):
    client = as_user(admin_user)
    old = _new_key(client, organization)
    body = {"grace_period_hours": 24}
    first = _rotate(client, organization, old["id"], body, HTTP_IDEMPOTENCY_KEY="rotate-1")
    again = _rotate(client, organization, old["id"], body, HTTP_IDEMPOTENCY_KEY="rotate-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["key"] == again.json()["key"]
    assert again["Idempotent-Replayed"] == "true"
    other = _rotate(
        client, organization, old["id"], {"grace_period_hours": 1}, HTTP_IDEMPOTENCY_KEY="rotate-1"
    )
    assert (other.status_code, error_code(other)) == (409, "idempotency_key_reused")
    assert ApiKey.objects.count() == 2
    assert AuditLog.objects.filter(action="api_key.rotated").count() == 1

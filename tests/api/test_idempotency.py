"""`Idempotency-Key` on creating POSTs."""

import io
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from memberships.services.tokens import personal_token_create
from organizations.models import ApiKey, Template
from organizations.roles import Role
from tests.api.conftest import client_with, error_code
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory


def _create_template(client, organization, key, name="Weekly"):
    return client.post(
        f"/api/v1/organizations/{organization.pk}/templates",
        {"name": name, "kind": "prompt"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


@pytest.mark.django_db
def test_the_same_key_and_body_replay_the_first_response(as_user, organization, make_member):
    client = as_user(make_member(organization, Role.ANALYST))
    first = _create_template(client, organization, "key-1")
    again = _create_template(client, organization, "key-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Template.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_refused(as_user, organization, make_member):
    client = as_user(make_member(organization, Role.ANALYST))
    _create_template(client, organization, "key-1")
    other = _create_template(client, organization, "key-1", name="Monthly")
    assert (other.status_code, error_code(other)) == (409, "idempotency_key_reused")
    assert Template.objects.count() == 1


@pytest.mark.django_db
def test_keys_are_scoped_to_the_caller(as_user, organization, make_member):
    first = as_user(make_member(organization, Role.ANALYST))
    second = as_user(make_member(organization, Role.ANALYST))
    _create_template(first, organization, "shared-key")
    assert _create_template(second, organization, "shared-key").status_code == 201
    assert Template.objects.count() == 2


@pytest.mark.django_db
def test_a_replayed_secret_is_the_same_key_and_stored_encrypted(as_user, organization, admin_user):
    from causeloop.models import IdempotencyRecord

    client = as_user(admin_user)
    url = f"/api/v1/organizations/{organization.pk}/api-keys"
    first = client.post(url, {"name": "CI"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    again = client.post(url, {"name": "CI"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert first.json()["key"] == again.json()["key"]
    assert ApiKey.objects.count() == 1
    stored = bytes(IdempotencyRecord.objects.get().response_body)
    assert first.json()["key"].encode() not in stored


@pytest.mark.django_db
def test_a_failed_request_stores_nothing(as_user, organization, make_member):
    client = as_user(make_member(organization, Role.ANALYST))
    failed = client.post(
        f"/api/v1/organizations/{organization.pk}/templates",
        {"name": ""},
        format="json",
        HTTP_IDEMPOTENCY_KEY="retry-me",
    )
    assert failed.status_code == 400
    assert _create_template(client, organization, "retry-me").status_code == 201


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["x" * 256, "a key", "clé", "tab\tbed"])
def test_a_key_outside_the_documented_pattern_is_400(as_user, organization, make_member, key):
    client = as_user(make_member(organization, Role.ANALYST))
    response = _create_template(client, organization, key)
    assert response.status_code == 400
    assert "visible ASCII" in response.json()["error"]["message"]
    assert not Template.objects.exists()


@pytest.mark.xdist_group("many_connections")  # a connection per thread
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_reseed_plans")
def test_fifty_concurrent_retries_make_exactly_one_thing():
    organization = OrganizationFactory()
    user = UserFactory()
    MembershipFactory(user=user, organization=organization, role=Role.ANALYST, is_active=True)
    _token, secret = personal_token_create(user=user)

    def attempt(_index):
        try:
            client = client_with(HTTP_AUTHORIZATION=f"Bearer {secret}")
            response = _create_template(client, organization, "one-key")
            return response.status_code, response.json()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(attempt, range(50)))

    assert Template.objects.count() == 1
    statuses = {status for status, _body in results}
    assert statuses <= {201, 409}
    created_ids = {body["id"] for status, body in results if status == 201}
    assert len(created_ids) == 1
    assert all(
        body["error"]["code"] == "idempotency_key_in_progress"
        for status, body in results
        if status == 409
    )


@pytest.mark.django_db
def test_expired_records_are_pruned_and_a_key_is_new_again(as_user, organization, make_member):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from causeloop.models import IdempotencyRecord

    client = as_user(make_member(organization, Role.ANALYST))
    _create_template(client, organization, "old-key")
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))
    assert _create_template(client, organization, "old-key", name="Again").status_code == 201
    assert Template.objects.count() == 2
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))
    output = io.StringIO()
    call_command("prune_idempotency_keys", stdout=output)
    assert "deleted 1 expired" in output.getvalue()
    assert not IdempotencyRecord.objects.exists()

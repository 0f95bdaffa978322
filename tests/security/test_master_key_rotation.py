"""Rotating `CAUSELOOP_MASTER_KEY` (README, "Rotating the master key"): secrets sealed under
the old key open while it is listed in `CAUSELOOP_OLD_MASTER_KEYS`, `rotate_master_key` seals
them again under the new one, and credentials hashed under the old key keep working (found in
one query, hashed again when used)."""

import hashlib
import hmac
import io
import json

import pytest
from cryptography.fernet import InvalidToken
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory
from zeal import zeal_ignore

from causeloop.core.crypto import decrypt, encrypt, keyed_hash, keyed_hashes, reseal
from causeloop.models import IdempotencyRecord
from causeloop.web.authentication import BearerTokenAuthentication
from memberships.models import Invitation, PersonalToken
from memberships.services.invitations import invitation_by_token, invitation_create
from memberships.services.tokens import personal_token_create
from organizations.models import ApiKey, Integration
from organizations.roles import Role
from organizations.services.api_keys import api_key_provision
from organizations.services.integrations import integration_create, integration_secret
from organizations.services.plans import limits_override
from tests.app_role import APP_ROLE, _execute
from tests.factories import organization_with_owner
from webhooks.attempts import secrets_in_use
from webhooks.models import WebhookEndpoint
from webhooks.services.endpoints import endpoint_create, secret_rotate

KEY_A = "master-key-a-0123456789abcdef"
KEY_B = "master-key-b-fedcba9876543210"
SECRET = "sk-live-credential-0000-1111"


@pytest.fixture
def under_a(settings):
    settings.CAUSELOOP_MASTER_KEY = KEY_A
    settings.CAUSELOOP_OLD_MASTER_KEYS = []
    return settings


def _switch(settings, current, *old):
    settings.CAUSELOOP_MASTER_KEY = current
    settings.CAUSELOOP_OLD_MASTER_KEYS = list(old)


def _hash_under(key, value):
    return hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()


def rotate(*args):
    out = io.StringIO()
    with zeal_ignore():  # a command is its own unit of work
        call_command("rotate_master_key", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def sealed(db, under_a):
    """An integration credential and a stored idempotent response, both sealed under key A."""
    organization, owner = organization_with_owner()
    integration = integration_create(
        organization=organization, actor=owner, name="Main", kind="openai", credential=SECRET
    )
    record = IdempotencyRecord.objects.create(
        scope=f"user:{owner.pk}",
        key="k-1",
        method="POST",
        path="/api/v1/x",
        request_hash="0" * 64,
        state=IdempotencyRecord.State.COMPLETED,
        response_status=201,
        response_body=encrypt(json.dumps({"secret": "shown-once"}).encode()),
    )
    return integration, record


def _opened(integration, record):
    with zeal_ignore():  # read again after each switch of keys: no N+1
        integration = Integration.objects.get(pk=integration.pk)
        record = IdempotencyRecord.objects.get(pk=record.pk)
    return integration_secret(integration), json.loads(decrypt(bytes(record.response_body)))


def test_secrets_sealed_under_the_old_key_open_are_resealed_and_open_without_it(sealed, settings):
    integration, record = sealed
    stored_before = bytes(Integration.objects.get(pk=integration.pk).credential)
    _switch(settings, KEY_B, KEY_A)
    assert _opened(integration, record) == (SECRET, {"secret": "shown-once"})

    out = rotate()

    assert "organizations.Integration.credential: 1 sealed again, 0 already" in out
    assert "causeloop.IdempotencyRecord.response_body: 1 sealed again, 0 already" in out
    assert bytes(Integration.objects.get(pk=integration.pk).credential) != stored_before
    _switch(settings, KEY_B)  # the old key is gone
    assert _opened(integration, record) == (SECRET, {"secret": "shown-once"})
    _switch(settings, KEY_A)  # and the new values are sealed under B, not A
    with pytest.raises(InvalidToken):
        _opened(integration, record)


def test_rotating_again_changes_nothing(sealed, settings):
    integration, _ = sealed
    _switch(settings, KEY_B, KEY_A)
    rotate("--batch-size", "1")
    stored = bytes(Integration.objects.get(pk=integration.pk).credential)
    out = rotate()
    assert "organizations.Integration.credential: 0 sealed again, 1 already under the" in out
    assert bytes(Integration.objects.get(pk=integration.pk).credential) == stored


def test_many_rows_are_resealed_in_batches(db, under_a, settings):
    organization, owner = organization_with_owner()
    limits_override(organization=organization, limits={"providers": 5})
    with zeal_ignore():
        for n in range(5):
            integration_create(
                organization=organization,
                actor=owner,
                name=f"Integration {n}",
                kind="other",
                credential=f"{SECRET}-{n}",
            )
    _switch(settings, KEY_B, KEY_A)
    assert "credential: 5 sealed again" in rotate("--batch-size", "2")
    _switch(settings, KEY_B)
    assert sorted(integration_secret(i) for i in Integration.objects.all()) == [
        f"{SECRET}-{n}" for n in range(5)
    ]


def test_a_secret_no_configured_key_opens_is_reported_and_left_alone(sealed, settings):
    integration, _ = sealed
    stored = bytes(Integration.objects.get(pk=integration.pk).credential)
    _switch(settings, KEY_B)  # A was dropped before the rotation ran
    with pytest.raises(CommandError, match="open with no configured key"):
        rotate()
    assert bytes(Integration.objects.get(pk=integration.pk).credential) == stored


def test_a_bad_batch_size_is_refused(db):
    with pytest.raises(CommandError, match="from 1 to 10,000"):
        rotate("--batch-size", "0")


def test_rotating_as_the_application_role_reaches_every_tenant(db, under_a, settings):
    """Row-level security applies to the role production connects as: the command works in the
    platform context, or it would find no tenant's integration."""
    for _ in range(2):
        organization, owner = organization_with_owner()
        integration_create(
            organization=organization, actor=owner, name="Main", kind="aws", credential=SECRET
        )
    _switch(settings, KEY_B, KEY_A)
    _execute(f"SET ROLE {APP_ROLE}")
    try:
        out = rotate()
    finally:
        _execute("RESET ROLE")
    assert "organizations.Integration.credential: 2 sealed again" in out


def test_reseal_keeps_the_time_stamp_so_a_lifetime_still_applies(under_a, settings):
    token = encrypt(b"shown once", at=1_000_000)
    _switch(settings, KEY_B, KEY_A)
    resealed = reseal(token)
    assert resealed is not None
    assert reseal(resealed) is None
    with pytest.raises(InvalidToken):
        decrypt(resealed, ttl=600)  # sealed long ago: expired under any key


def _authenticate(secret):
    request = Request(APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {secret}"))
    return BearerTokenAuthentication().authenticate(request)


def _lookups(queries, table):
    return [q["sql"] for q in queries if q["sql"].startswith("SELECT") and table in q["sql"]]


def test_an_api_key_made_under_the_old_key_authenticates_in_one_query_and_is_rehashed(
    db, under_a, settings
):
    organization, _ = organization_with_owner()
    api_key, secret = api_key_provision(organization=organization, name="ci")
    assert ApiKey.objects.get(pk=api_key.pk).key_hash == _hash_under(KEY_A, secret)
    _switch(settings, KEY_B, KEY_A)

    with CaptureQueriesContext(connection) as queries:
        _user, found = _authenticate(secret)

    assert found.pk == api_key.pk
    lookups = _lookups(queries.captured_queries, '"organizations_apikey"')
    assert len(lookups) == 1
    assert " IN (" in lookups[0]
    assert ApiKey.objects.get(pk=api_key.pk).key_hash == _hash_under(KEY_B, secret)
    _switch(settings, KEY_B)  # the old key is gone: the key was used, so it still works
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get("/api/v1/me").status_code == 200


def test_a_credential_unused_until_the_old_key_is_dropped_stops_working(db, under_a, settings):
    organization, _ = organization_with_owner()
    _api_key, secret = api_key_provision(organization=organization, name="ci")
    _switch(settings, KEY_B)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get("/api/v1/me").status_code == 401


def test_a_personal_token_made_under_the_old_key_works_and_is_rehashed(db, under_a, settings):
    _organization, owner = organization_with_owner()
    token, secret = personal_token_create(user=owner, name="laptop")
    _switch(settings, KEY_B, KEY_A)
    user, found = _authenticate(secret)
    assert (user.pk, found.pk) == (owner.pk, token.pk)
    assert PersonalToken.objects.get(pk=token.pk).key_hash == keyed_hash(secret)
    assert keyed_hash(secret) == _hash_under(KEY_B, secret)


def test_an_invitation_sent_under_the_old_key_opens_and_is_rehashed(db, under_a, settings):
    organization, owner = organization_with_owner()
    invitation, token = invitation_create(
        organization=organization, actor=owner, email="new@example.com", role=Role.MEMBER
    )
    _switch(settings, KEY_B, KEY_A)
    assert invitation_by_token(token).pk == invitation.pk
    assert Invitation.objects.get(pk=invitation.pk).token_hash == _hash_under(KEY_B, token)
    _switch(settings, KEY_B)
    assert invitation_by_token(token).pk == invitation.pk


def test_keyed_hashes_list_the_current_key_first(settings):
    _switch(settings, KEY_B, KEY_A, KEY_B)
    assert keyed_hashes("x") == [_hash_under(KEY_B, "x"), _hash_under(KEY_A, "x")]


def test_webhook_signing_secrets_current_and_previous_are_resealed(db, under_a, settings):
    settings.CAUSELOOP_WEBHOOKS_ALLOW_PRIVATE = False
    organization, owner = organization_with_owner()
    with zeal_ignore():
        endpoint, first = endpoint_create(
            organization=organization, actor=owner, url="https://93.184.216.34/hooks"
        )
        endpoint, second = secret_rotate(endpoint, actor=owner)
    _switch(settings, KEY_B, KEY_A)

    out = rotate()

    assert "webhooks.WebhookEndpoint.secret: 1 sealed again" in out
    assert "webhooks.WebhookEndpoint.previous_secret: 1 sealed again" in out
    _switch(settings, KEY_B)  # the old key is gone: both secrets still open, unchanged
    endpoint = WebhookEndpoint.objects.get(pk=endpoint.pk)
    assert secrets_in_use(endpoint, timezone.now()) == [second, first]

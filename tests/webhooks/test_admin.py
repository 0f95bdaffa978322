"""Webhooks in the platform admin: operators see endpoints and delivery logs, never a signing
secret, and change nothing there."""

import pytest
from django.urls import reverse
from django.utils import timezone

from causeloop.core.crypto import decrypt
from organizations.events import emit
from tests.factories import organization_with_owner
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services.endpoints import endpoint_create

URL = "https://93.184.216.34/hooks"


@pytest.fixture
def endpoint(db):
    organization, owner = organization_with_owner()
    endpoint, secret = endpoint_create(organization=organization, actor=owner, url=URL)
    event = emit(organization, type="member.joined", data={})
    WebhookDelivery.objects.create(
        organization=organization,
        endpoint=endpoint,
        event=event,
        state="failed",
        attempts=8,
        response_status=503,
        error="The endpoint answered 503.",
        last_attempt_at=timezone.now(),
    )
    return endpoint, secret


def test_operators_see_endpoints_without_their_secret(staff_client, endpoint):
    hook, secret = endpoint
    page = staff_client.get(reverse("admin:webhooks_webhookendpoint_changelist")).content.decode()
    assert URL in page
    assert hook.organization.name in page
    detail = staff_client.get(reverse("admin:webhooks_webhookendpoint_change", args=[hook.pk]))
    assert detail.status_code == 200
    text = detail.content.decode()
    assert URL in text
    assert secret not in text
    assert decrypt(bytes(WebhookEndpoint.objects.get().secret)).decode() == secret
    assert 'name="secret"' not in text


def test_operators_see_the_delivery_log_and_change_nothing(staff_client, endpoint):
    hook, _secret = endpoint
    log = staff_client.get(
        reverse("admin:webhooks_webhookdelivery_changelist"), {"endpoint__id__exact": hook.pk}
    )
    assert log.status_code == 200
    assert "member.joined" in log.content.decode()
    assert "503" in log.content.decode()
    assert staff_client.get(reverse("admin:webhooks_webhookendpoint_add")).status_code == 403
    delete = reverse("admin:webhooks_webhookendpoint_delete", args=[hook.pk])
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403
    assert WebhookEndpoint.objects.filter(pk=hook.pk).exists()

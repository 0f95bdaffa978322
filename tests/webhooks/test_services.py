"""Rules of the endpoint services that the API and page tests do not pin down on their own."""

import pytest

from causeloop.core.errors import Conflict, ValidationFailed
from organizations.events import emit
from tests.factories import organization_with_owner
from webhooks.catalog import TEST_EVENT
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services.deliveries import delivery_retry
from webhooks.services.endpoints import EndpointChanges, endpoint_create, endpoint_update

URL = "https://93.184.216.34/hooks"


@pytest.fixture
def endpoint(db):
    organization, owner = organization_with_owner()
    endpoint, _secret = endpoint_create(organization=organization, actor=owner, url=URL)
    return endpoint, owner


def test_a_refused_change_leaves_the_callers_object_as_it_was(endpoint):
    hook, owner = endpoint
    changes = EndpointChanges(url="https://93.184.216.35/new", description="x" * 201)
    with pytest.raises(ValidationFailed):
        endpoint_update(hook, actor=owner, changes=changes)
    assert (hook.url, hook.description) == (URL, "")
    assert WebhookEndpoint.objects.get(pk=hook.pk).url == URL


def test_enabling_again_clears_the_failure_streak_and_the_wait(endpoint):
    hook, owner = endpoint
    endpoint_update(hook, actor=owner, changes=EndpointChanges(enabled=False))
    assert (hook.enabled, hook.disabled_reason) == (False, "manual")
    WebhookEndpoint.objects.filter(pk=hook.pk).update(
        failing_since="2026-01-01T00:00:00Z", unreachable_until="2026-01-01T00:00:00Z"
    )
    hook.refresh_from_db()
    endpoint_update(hook, actor=owner, changes=EndpointChanges(enabled=True))
    saved = WebhookEndpoint.objects.get(pk=hook.pk)
    assert (saved.enabled, saved.disabled_reason) == (True, "")
    assert (saved.failing_since, saved.unreachable_until) == (None, None)


@pytest.mark.parametrize(("event_type", "allowed"), [("member.joined", False), (TEST_EVENT, True)])
def test_a_disabled_endpoints_deliveries_are_retried_only_once_enabled(
    endpoint, event_type, allowed
):
    hook, owner = endpoint
    delivery = WebhookDelivery.objects.create(
        organization=hook.organization,
        endpoint=hook,
        event=emit(hook.organization, type=event_type, data={}),
        state="failed",
        attempts=8,
    )
    endpoint_update(hook, actor=owner, changes=EndpointChanges(enabled=False))
    if allowed:
        assert delivery_retry(delivery, actor=owner).state == "pending"
        return
    with pytest.raises(Conflict) as refused:
        delivery_retry(delivery, actor=owner)
    assert refused.value.code == "endpoint_disabled"
    assert WebhookDelivery.objects.get(pk=delivery.pk).state == "failed"
    endpoint_update(hook, actor=owner, changes=EndpointChanges(enabled=True))
    assert delivery_retry(delivery, actor=owner).state == "pending"

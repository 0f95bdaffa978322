"""The demo data's webhook endpoint: one, disabled (its host is made up), with a delivery log."""

import io

from django.core.management import call_command
from zeal import zeal_ignore

from webhooks.models import WebhookDelivery, WebhookEndpoint


def test_seed_demo_adds_one_disabled_endpoint_with_a_delivery_log_once(db):
    with zeal_ignore():
        call_command("seed_demo", stdout=io.StringIO())
        call_command("seed_demo", stdout=io.StringIO())
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.organization.slug == "acme"
    assert (endpoint.enabled, endpoint.disabled_reason) == (False, "manual")
    states = set(WebhookDelivery.objects.values_list("state", flat=True))
    assert states == {"succeeded", "failed"}

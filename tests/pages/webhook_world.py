"""What the webhook page tests share: an organization with an endpoint and a delivery, and
how to read the state they change."""

from zeal import zeal_ignore

from causeloop.core.crypto import decrypt
from organizations.roles import Role
from tests.factories import OrganizationFactory, member_of
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services.endpoints import endpoint_create, endpoint_test

LIST = "/admin/webhooks/"
URL = "https://93.184.216.34/hooks"  # a public address: no DNS, and nothing is ever sent
NEW_URL = "https://93.184.216.35/receiver"


def make_acme():
    """An organization, its owner, and one endpoint with one delivery (a test event)."""
    organization = OrganizationFactory(name="Acme")
    owner = member_of(organization, Role.OWNER, name="Olive Owner")
    endpoint, _secret = endpoint_create(
        organization=organization, actor=owner, url=URL, description="Billing"
    )
    delivery = endpoint_test(endpoint, actor=owner)
    return organization, owner, endpoint, delivery


def detail_url(endpoint):
    return f"{LIST}{endpoint.pk}/"


def secret_of(endpoint):
    with zeal_ignore():  # read again on purpose, before and after
        return decrypt(bytes(WebhookEndpoint.objects.get(pk=endpoint.pk).secret)).decode()


def snapshot(organization):
    endpoints = WebhookEndpoint.objects.filter(organization=organization).order_by("id")
    deliveries = WebhookDelivery.objects.filter(organization=organization).order_by("id")
    return (
        [
            (e.pk, e.url, e.description, e.event_types, e.enabled, e.disabled_reason, e.secret)
            for e in endpoints
        ],
        list(deliveries.values_list("id", "state", "attempts", "next_attempt_at", "queued")),
    )


def page_text(response):
    return response.content.decode()

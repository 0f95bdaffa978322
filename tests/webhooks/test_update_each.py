"""`causeloop.core.db.update_each`: each row's own values saved, in one round trip, only the
fields named; what the attempts record with."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from causeloop.core.db import update_each
from organizations.events import emit
from tests.factories import OrganizationFactory
from webhooks.models import WebhookDelivery, WebhookEndpoint


def test_each_row_gets_its_own_values_and_other_fields_stay(db):
    organization = OrganizationFactory()
    endpoint = WebhookEndpoint.objects.create(
        organization=organization, url="https://93.184.216.34/", secret=b""
    )
    rows = [
        WebhookDelivery.objects.create(
            organization=organization,
            endpoint=endpoint,
            event=emit(organization, type="member.joined", data={}),
            error="before",
        )
        for _ in range(3)
    ]
    at = timezone.now()
    for n, row in enumerate(rows):
        row.state, row.attempts, row.response_status, row.last_attempt_at = "failed", n, 500 + n, at
        row.error = "changed but not saved"
    with CaptureQueriesContext(connection) as queries:
        update_each(rows, ["state", "attempts", "response_status", "last_attempt_at"])
    saved = list(WebhookDelivery.objects.order_by("attempts"))
    assert [(r.state, r.attempts, r.response_status) for r in saved] == [
        ("failed", 0, 500),
        ("failed", 1, 501),
        ("failed", 2, 502),
    ]
    assert {r.last_attempt_at for r in saved} == {at}
    assert {r.error for r in saved} == {"before"}
    assert len(queries) == 1  # one executemany


def test_nothing_to_save_runs_nothing(db):
    with CaptureQueriesContext(connection) as queries:
        update_each([], ["state"])
    assert len(queries) == 0

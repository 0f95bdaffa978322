"""`/admin/webhooks/` and `/admin/webhooks/<id>/`: who may see and change endpoints (admins
and owners; members and analysts are refused; another tenant's endpoints and deliveries are 404
whatever the role), adding one (its signing secret shown once and never again), changing,
enabling and disabling it, and bad input answered next to its field, changing nothing.
The test events, retries, rotation, deletion and the delivery log: test_webhook_actions.py."""

from datetime import timedelta

import pytest
from django.utils import timezone

from organizations.models import AuditLog
from organizations.roles import Role
from tests.factories import OrganizationFactory, member_of
from tests.pages.webhook_world import (
    LIST,
    NEW_URL,
    URL,
    detail_url,
    make_acme,
    page_text,
    secret_of,
    snapshot,
)
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services.endpoints import endpoint_create, endpoint_test

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme():
    return make_acme()


# --- who may ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.ADMIN, Role.OWNER])
def test_admins_see_the_endpoints_and_the_form(signed_in, acme, role):
    organization, _owner, endpoint, _delivery = acme
    response = signed_in(member_of(organization, role)).get(LIST)
    assert response.status_code == 200
    html = page_text(response)
    assert f'href="{detail_url(endpoint)}">{URL}</a>' in html
    assert "Billing" in html
    assert "All events" in html
    assert '<span class="badge badge--ok">Enabled</span>' in html
    assert "Pending" in html  # its last delivery
    assert "Add endpoint</button>" in html
    assert 'href="/admin/webhooks/" aria-current="page">Webhooks</a>' in html  # the navigation
    assert "whsec_" not in html


@pytest.mark.parametrize("role", [Role.MEMBER, Role.ANALYST])
def test_members_and_analysts_are_refused_every_page_and_post(signed_in, acme, role):
    organization, _owner, endpoint, delivery = acme
    client = signed_in(member_of(organization, role))
    assert 'href="/admin/webhooks/"' not in page_text(client.get("/"))  # not in their navigation
    before = snapshot(organization)
    detail = detail_url(endpoint)
    requests = [
        ("get", LIST, {}),
        ("get", detail, {}),
        ("post", LIST, {"url": NEW_URL, "events": "all"}),
        *[("post", detail, data) for data in _EVERY_POST(delivery)],
    ]
    for method, path, data in requests:
        response = getattr(client, method)(path, data)
        assert response.status_code == 403, (method, path, data)
        assert "whsec_" not in page_text(response)
    assert snapshot(organization) == before


def _EVERY_POST(delivery):
    return [
        {"action": "update", "url": NEW_URL, "description": "Defaced", "events": "all"},
        {"action": "disable"},
        {"action": "enable"},
        {"action": "test"},
        {"action": "retry", "delivery": delivery.pk},
        {"action": "rotate"},
        {"action": "rotate", "confirm": "yes"},
        {"action": "delete"},
        {"action": "delete", "confirm": "yes"},
    ]


def test_anonymous_visitors_are_sent_to_log_in(client, acme):
    _organization, _owner, endpoint, _delivery = acme
    for path in (LIST, detail_url(endpoint)):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


# --- another tenant ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_another_tenants_endpoint_is_404_whatever_the_role(signed_in, acme, role):
    theirs, _their_owner, endpoint, delivery = acme
    mine = OrganizationFactory()
    client = signed_in(member_of(mine, role))
    before = snapshot(theirs)
    requests = [("get", {}), *[("post", data) for data in _EVERY_POST(delivery)]]
    for method, data in requests:
        response = getattr(client, method)(detail_url(endpoint), data)
        assert response.status_code == 404, (method, data)
        assert URL not in page_text(response)
    assert snapshot(theirs) == before
    if role >= Role.ADMIN:
        assert URL not in page_text(client.get(LIST))


def test_the_list_shows_only_my_organizations_endpoints(signed_in, acme):
    mine = OrganizationFactory()
    html = page_text(signed_in(member_of(mine, Role.OWNER)).get(LIST))
    assert URL not in html
    assert "No endpoints yet." in html


def test_another_tenants_delivery_cannot_be_retried_from_my_endpoint(signed_in, acme):
    theirs, _their_owner, _their_endpoint, their_delivery = acme
    mine = OrganizationFactory()
    owner = member_of(mine, Role.OWNER)
    my_endpoint, _secret = endpoint_create(organization=mine, actor=owner, url=NEW_URL)
    other_endpoint, _secret = endpoint_create(organization=mine, actor=owner, url=URL)
    other_delivery = endpoint_test(other_endpoint, actor=owner)
    WebhookDelivery.objects.filter(pk__in=[their_delivery.pk, other_delivery.pk]).update(
        state="failed", next_attempt_at=None
    )
    before = (snapshot(theirs), snapshot(mine))
    client = signed_in(owner)
    # Another tenant's, one of another endpoint of mine, and ones that are no delivery at all.
    for delivery_id in (their_delivery.pk, other_delivery.pk, "dlv_nope", "", "x" * 500):
        response = client.post(
            detail_url(my_endpoint), {"action": "retry", "delivery": delivery_id}
        )
        assert response.status_code == 404, delivery_id
    assert (snapshot(theirs), snapshot(mine)) == before


@pytest.mark.parametrize("endpoint_id", ["whe_nope", "whe_" + "0" * 26, "x" * 300, "%E2%80%8B"])
def test_an_endpoint_that_does_not_exist_is_404(signed_in, acme, endpoint_id):
    _organization, owner, _endpoint, _delivery = acme
    client = signed_in(owner)
    assert client.get(f"{LIST}{endpoint_id}/").status_code == 404
    assert client.post(f"{LIST}{endpoint_id}/", {"action": "test"}).status_code == 404


# --- adding, and the secret shown once --------------------------------------------------------


@pytest.mark.parametrize("role", [Role.ADMIN, Role.OWNER])
def test_an_admin_adds_an_endpoint_and_sees_its_secret_once(signed_in, acme, role):
    organization, _owner, _endpoint, _delivery = acme
    admin = member_of(organization, role, name="Ada Admin")
    client = signed_in(admin)
    response = client.post(
        LIST, {"url": f"  {NEW_URL}  ", "description": "CRM sync", "events": "all"}
    )
    assert response.status_code == 302
    assert "no-store" in response["Cache-Control"]
    added = WebhookEndpoint.objects.get(organization=organization, url=NEW_URL)
    assert response["Location"] == detail_url(added)
    assert (added.description, added.event_types, added.enabled) == ("CRM sync", [], True)
    assert added.created_by == admin
    assert AuditLog.objects.filter(action="webhook_endpoint.created", target_id=added.pk).exists()
    assert not WebhookDelivery.objects.filter(endpoint=added).exists()  # nothing sent yet

    page = client.get(detail_url(added))
    assert "no-store" in page["Cache-Control"]
    html = page_text(page)
    secret = secret_of(added)
    assert secret.startswith("whsec_")
    assert f'value="{secret}"' in html
    assert 'data-copy="#secret-value"' in html
    assert "Endpoint added. Copy its signing secret now: it is shown only once." in html
    for header in ("webhook-id", "webhook-timestamp", "webhook-signature"):
        assert f"<code>{header}</code>" in html
    assert "Standard Webhooks" in html

    # Never again: not on a reload, not on the list, not on another page.
    for path in (detail_url(added), LIST, "/admin/api-keys/", detail_url(added)):
        assert secret not in page_text(client.get(path)), path


def test_an_endpoint_for_some_event_types_keeps_groups_over_their_own_types(signed_in, acme):
    _organization, owner, _endpoint, _delivery = acme
    response = signed_in(owner).post(
        LIST,
        {
            "url": NEW_URL,
            "events": "chosen",
            "event_types": ["member.joined", "member.*", "run.finished", "member.left"],
        },
    )
    assert response.status_code == 302
    added = WebhookEndpoint.objects.get(url=NEW_URL)
    assert added.event_types == ["member.*", "run.finished"]
    html = page_text(signed_in(owner).get(detail_url(added)))
    assert "member.*, run.finished" in html
    assert 'value="member.*" checked' in html
    assert 'value="member.joined">' in html  # covered by its group: no longer ticked on its own


BAD_INPUT = [
    ({"url": "", "events": "all"}, "url"),
    ({"url": "   ", "events": "all"}, "url"),
    ({"url": "http://93.184.216.34/hooks", "events": "all"}, "url"),
    ({"url": "ftp://93.184.216.34/hooks", "events": "all"}, "url"),
    ({"url": "https://10.0.0.8/hooks", "events": "all"}, "url"),
    ({"url": "https://127.0.0.1/hooks", "events": "all"}, "url"),
    ({"url": "https://169.254.169.254/latest/meta-data", "events": "all"}, "url"),
    ({"url": "https://[::1]/hooks", "events": "all"}, "url"),
    ({"url": "https://user:pw@93.184.216.34/hooks", "events": "all"}, "url"),
    ({"url": "https://93.184.216.34:99999/hooks", "events": "all"}, "url"),
    ({"url": "https://93.184.216.34/" + "a" * 2000, "events": "all"}, "url"),
    ({"url": NEW_URL, "description": "x" * 201, "events": "all"}, "description"),
    ({"url": NEW_URL, "events": "chosen"}, "event_types"),
    ({"url": NEW_URL, "events": "all", "event_types": ["member.joined"]}, "event_types"),
    ({"url": NEW_URL, "events": "chosen", "event_types": ["member.eaten"]}, "event_types"),
    ({"url": NEW_URL, "events": "chosen", "event_types": ["*"]}, "event_types"),
    ({"url": NEW_URL, "events": "some"}, "events"),
    ({"url": NEW_URL}, "events"),
]


@pytest.mark.parametrize(("data", "field"), BAD_INPUT)
def test_bad_input_is_answered_next_to_the_field_and_adds_nothing(signed_in, acme, data, field):
    organization, owner, _endpoint, _delivery = acme
    before = snapshot(organization)
    response = signed_in(owner).post(LIST, data)
    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field]
    html = page_text(response)
    error_id = "id_event_types_error" if field in ("events", "event_types") else f"id_{field}_error"
    assert f'id="{error_id}"' in html
    assert "whsec_" not in html
    assert snapshot(organization) == before
    if field != "url":
        assert f'value="{data["url"]}"' in html  # what was typed stays


@pytest.mark.parametrize(
    "data",
    [
        {"url": URL + "\x00", "events": "all"},
        {"url": NEW_URL, "description": "bell\x07", "events": "all"},
        {"action": "retry", "delivery": "dlv_\x00"},
    ],
)
def test_control_characters_are_refused_at_the_boundary(signed_in, acme, data):
    organization, owner, endpoint, _delivery = acme
    client = signed_in(owner)
    before = snapshot(organization)
    for path in (LIST, detail_url(endpoint)):
        response = client.post(path, {"action": "update", **data})
        assert response.status_code == 400
        assert "without NUL or other control characters" in page_text(response)
    assert snapshot(organization) == before


def test_bad_event_types_keep_the_list_open_with_the_ticks(signed_in, acme):
    _organization, owner, _endpoint, _delivery = acme
    data = {"url": NEW_URL, "events": "all", "event_types": ["run.started"]}
    html = page_text(signed_in(owner).post(LIST, data))
    assert "data-event-types open" in html
    assert 'value="run.started" checked' in html
    assert "You chose all events and ticked some types too" in html


def test_at_the_endpoint_limit_adding_is_refused(signed_in, acme, settings):
    organization, owner, _endpoint, _delivery = acme
    settings.CAUSELOOP_WEBHOOK_ENDPOINTS_LIMIT = 1
    client = signed_in(owner)
    html = page_text(client.get(LIST))
    assert "1 of 1 endpoints: that is the limit." in html
    assert "Add endpoint</button>" not in html
    before = snapshot(organization)
    response = client.post(LIST, {"url": NEW_URL, "events": "all"})
    assert response.status_code == 409
    assert 'role="alert">1 of 1 endpoints: that is the limit.' in page_text(response)
    assert snapshot(organization) == before


# --- changing, enabling, disabling --------------------------------------------------------------


def test_an_admin_changes_the_url_description_and_event_types(signed_in, acme):
    organization, _owner, endpoint, _delivery = acme
    client = signed_in(member_of(organization, Role.ADMIN))
    page = page_text(client.get(detail_url(endpoint)))
    assert f'value="{URL}"' in page
    assert 'value="Billing"' in page
    assert 'id="id_events_all" data-events-all checked' in page

    data = {
        "action": "update",
        "url": NEW_URL,
        "description": "Billing v2",
        "events": "chosen",
        "event_types": ["template.*", "run.refused"],
    }
    response = client.post(detail_url(endpoint), data)
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.description, endpoint.event_types) == (
        NEW_URL,
        "Billing v2",
        ["template.*", "run.refused"],
    )
    audit = AuditLog.objects.get(action="webhook_endpoint.updated", target_id=endpoint.pk)
    assert audit.details["changed"] == ["url", "description", "event_types"]
    html = page_text(client.get(detail_url(endpoint)))
    assert "Endpoint saved." in html
    assert "<h1>Billing v2</h1>" in html
    assert "template.*, run.refused" in html

    # Back to every event.
    data.update(events="all", event_types=[])
    assert client.post(detail_url(endpoint), data).status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.event_types == []


@pytest.mark.parametrize(("data", "field"), BAD_INPUT)
def test_a_bad_change_is_answered_next_to_the_field_and_changes_nothing(
    signed_in, acme, data, field
):
    organization, owner, endpoint, _delivery = acme
    before = snapshot(organization)
    response = signed_in(owner).post(detail_url(endpoint), {"action": "update", **data})
    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field]
    html = page_text(response)
    assert "<h1>Billing</h1>" in html  # the saved endpoint, not the refused change
    assert f"<code>{URL}</code>" in html
    assert snapshot(organization) == before


def test_disabling_and_enabling_again(signed_in, acme):
    _organization, owner, endpoint, _delivery = acme
    client = signed_in(owner)
    assert client.post(detail_url(endpoint), {"action": "disable"}).status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.enabled, endpoint.disabled_reason) == (False, "manual")
    html = page_text(client.get(detail_url(endpoint)))
    assert "Endpoint disabled: no new events are sent to it" in html
    assert '<span class="badge">Disabled by an admin</span>' in html
    assert 'value="enable"><button type="submit" class="button button--secondary">Enable' in html

    assert client.post(detail_url(endpoint), {"action": "enable"}).status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.enabled, endpoint.disabled_reason) == (True, "")
    assert "Endpoint enabled: new events are sent to it again." in page_text(client.get(LIST))
    assert AuditLog.objects.filter(action="webhook_endpoint.updated").count() == 2


def test_an_endpoint_disabled_after_failing_says_so_and_enabling_ends_the_streak(signed_in, acme):
    _organization, owner, endpoint, _delivery = acme
    failing_since = timezone.now() - timedelta(days=5, hours=1)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        enabled=False, disabled_reason="failing", failing_since=failing_since
    )
    client = signed_in(owner)
    listed = page_text(client.get(LIST))
    assert '<span class="badge badge--danger">Disabled after failing for 5 days</span>' in listed
    html = page_text(client.get(detail_url(endpoint)))
    assert '<p class="message message--error endpoint-alert">' in html
    assert "<strong>Disabled after failing for 5 days</strong> (failing since" in html
    assert "send a test event to check it, then enable it again" in html

    assert client.post(detail_url(endpoint), {"action": "enable"}).status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.enabled, endpoint.disabled_reason, endpoint.failing_since) == (True, "", None)


def test_an_enabled_endpoint_that_is_failing_shows_since_when(signed_in, acme):
    _organization, owner, endpoint, _delivery = acme
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        failing_since=timezone.now() - timedelta(hours=3)
    )
    html = page_text(signed_in(owner).get(LIST))
    assert '<span class="badge badge--warning">Failing since <time' in html

"""`/organizations/{org}/runs`: members and API keys start and finish runs within the plan's
limits (429 `quota_exceeded` with `Retry-After` past one), a retried start counts once, the list
is paged by cursor without a count, and starting costs the same queries however many runs exist."""

from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from organizations.models import Event, Run, UsageDay
from tests.api.conftest import assert_refused, database_state, error_code
from tests.api.usage_data import CALLERS, client_for, make_integration, make_runs, roomy
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

RUN_FIELDS = {
    "id",
    "name",
    "status",
    "integration",
    "started_at",
    "finished_at",
    "day",
    "started_by",
}
USAGE_FIELDS = {
    "today",
    "month",
    "runs_today",
    "runs_this_month",
    "running",
    "limits",
    "remaining",
}


def _url(organization, suffix=""):
    return f"/api/v1/organizations/{organization.pk}/runs{suffix}"


@pytest.fixture
def caller_client(as_user, as_key, make_member, organization):
    def make(caller, of=None):
        return client_for(
            caller, of or organization, as_user=as_user, as_key=as_key, make_member=make_member
        )

    return make


def _runs_today(organization):
    row = UsageDay.objects.filter(organization=organization).first()
    return row.runs if row else 0


# --- starting and finishing, by every role ----------------------------------------------------


@pytest.mark.parametrize("caller", CALLERS)
def test_every_member_and_api_key_starts_and_finishes_runs(caller_client, organization, caller):
    integration = make_integration(organization)
    client = caller_client(caller)
    started = client.post(
        _url(organization), {"integration": integration.pk, "name": "nightly"}, format="json"
    )
    assert started.status_code == 201, started.content
    body = started.json()
    assert set(body) == {"run", "usage"}
    assert set(body["run"]) == RUN_FIELDS
    assert set(body["usage"]) == USAGE_FIELDS
    run = Run.objects.get(organization=organization)
    assert body["run"]["id"] == run.pk
    assert body["run"]["status"] == "running"
    assert body["run"]["integration"] == integration.pk
    assert body["run"]["name"] == "nightly"
    expected_type = "api_key" if caller == "api_key" else "user"
    assert body["run"]["started_by"]["type"] == expected_type
    usage = body["usage"]
    assert (usage["runs_today"], usage["runs_this_month"], usage["running"]) == (1, 1, 1)
    assert usage["limits"] == {
        "daily": 2,
        "monthly": 60,
        "concurrent": 1,
        "providers": 1,
        "seats": organization.seats,
    }
    assert usage["remaining"] == {"daily": 1, "monthly": 59, "concurrent": 0}
    assert usage["month"] == usage["today"][:7]

    finished = client.post(
        _url(organization, f"/{run.pk}/finish"), {"status": "failed"}, format="json"
    )
    assert finished.status_code == 200, finished.content
    assert finished.json()["status"] == "failed"
    assert finished.json()["finished_at"]
    run.refresh_from_db()
    assert run.status == "failed"
    assert run.finished_at is not None


def test_a_run_finishes_once(caller_client, organization):
    client = caller_client("member")
    run_id = client.post(_url(organization), {}, format="json").json()["run"]["id"]
    done = client.post(
        _url(organization, f"/{run_id}/finish"), {"status": "succeeded"}, format="json"
    )
    assert done.status_code == 200
    again = client.post(
        _url(organization, f"/{run_id}/finish"), {"status": "canceled"}, format="json"
    )
    assert_refused(again, status=409, code="run_already_finished")
    assert Run.objects.get(pk=run_id).status == "succeeded"


def test_finishing_a_run_frees_its_concurrency_slot(caller_client, organization):
    client = caller_client("analyst")
    first = client.post(_url(organization), {}, format="json")
    refused = client.post(_url(organization), {}, format="json")
    assert refused.status_code == 429
    assert refused.json()["error"]["fields"] == {"limit": "concurrent"}
    assert refused["Retry-After"] == "10"
    finish = _url(organization, f"/{first.json()['run']['id']}/finish")
    assert client.post(finish, {"status": "canceled"}, format="json").status_code == 200
    assert client.post(_url(organization), {}, format="json").status_code == 201


def test_no_credentials_is_401(anonymous, organization):
    assert anonymous.post(_url(organization), {}, format="json").status_code == 401
    assert anonymous.get(_url(organization)).status_code == 401
    assert not Run.objects.exists()


# --- the daily limit --------------------------------------------------------------------------


def test_the_daily_limit_is_a_429_with_retry_after(caller_client, organization):
    client = caller_client("member")
    for _ in range(2):  # the free plan: 2 a day, 1 at a time
        run_id = client.post(_url(organization), {}, format="json").json()["run"]["id"]
        finish = _url(organization, f"/{run_id}/finish")
        assert client.post(finish, {"status": "succeeded"}, format="json").status_code == 200
    before = (Run.objects.count(), _runs_today(organization))
    moment = timezone.now()
    response = client.post(_url(organization), {"name": "third"}, format="json")
    error = assert_refused(response, status=429, code="quota_exceeded")
    assert error["fields"] == {"limit": "daily"}
    assert "2 runs for today" in error["message"]
    local = moment.astimezone(ZoneInfo(organization.timezone))
    midnight = datetime.combine(
        local.date() + timedelta(days=1), datetime.min.time(), tzinfo=local.tzinfo
    )
    assert abs(int(response["Retry-After"]) - (midnight - moment).total_seconds()) <= 2
    assert (Run.objects.count(), _runs_today(organization)) == before
    assert Event.objects.filter(type="run.refused", data__limit="daily").count() == 1


# --- Idempotency-Key --------------------------------------------------------------------------


def test_a_retried_start_counts_once(caller_client, organization):
    client = caller_client("member")
    first = client.post(
        _url(organization), {"name": "import"}, format="json", HTTP_IDEMPOTENCY_KEY="start-1"
    )
    assert first.status_code == 201
    # A fresh start would be refused now (one at a time on the free plan): the retry is not one.
    retried = client.post(
        _url(organization), {"name": "import"}, format="json", HTTP_IDEMPOTENCY_KEY="start-1"
    )
    assert retried.status_code == 201
    assert retried["Idempotent-Replayed"] == "true"
    assert retried.json() == first.json()
    assert Run.objects.count() == 1
    assert _runs_today(organization) == 1
    assert Event.objects.filter(type="run.started").count() == 1


def test_a_key_reused_with_another_body_is_refused(caller_client, organization):
    client = caller_client("member")
    client.post(_url(organization), {"name": "a"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    other = client.post(_url(organization), {"name": "b"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert_refused(other, status=409, code="idempotency_key_reused")
    assert Run.objects.count() == 1


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"name": 5}, "invalid"),
        ({"name": ["x"]}, "invalid"),
        ({"name": "n" * 201}, "invalid"),
        ({"integration": 7}, "invalid"),
        ({"integration": {"id": "int_x"}}, "invalid"),
        ({"integration": "i" * 65}, "invalid"),
        ({"integration": "int_01" + "0" * 24}, "unknown_integration"),
        ({"unknown": 1}, "invalid"),
    ],
    ids=str,
)
def test_a_bad_start_is_refused_and_changes_nothing(caller_client, organization, body, code):
    client = caller_client("member")
    before = database_state()
    response = client.post(_url(organization), body, format="json")
    error = assert_refused(response, code=code)
    assert error["fields"]
    assert database_state() == before


def test_an_unknown_integration_is_named(caller_client, organization):
    client = caller_client("member")
    before = database_state()
    response = client.post(_url(organization), {"integration": "int_nothing"}, format="json")
    error = assert_refused(response, code="unknown_integration")
    assert "integration" in error["fields"]
    assert database_state() == before


def test_another_tenants_integration_cannot_be_used(caller_client, organization):
    theirs = make_integration(OrganizationFactory())
    client = caller_client("admin")
    before = database_state()
    response = client.post(_url(organization), {"integration": theirs.pk}, format="json")
    assert_refused(response, code="unknown_integration")
    assert database_state() == before


@pytest.mark.parametrize(
    "raw", ['{"name": "a\\u0000b"}', '{"integration": "int_\\u0000"}', '{"name": "\\ud800"}']
)
def test_nul_and_lone_surrogates_are_refused_at_the_boundary(caller_client, organization, raw):
    client = caller_client("member")
    before = database_state()
    assert_refused(client.post(_url(organization), raw, content_type="application/json"))
    assert database_state() == before


@pytest.mark.parametrize(
    "body", [{"status": "done"}, {"status": "running"}, {"status": None}, {"status": 1}, {}]
)
def test_a_bad_status_is_refused_and_the_run_keeps_running(caller_client, organization, body):
    (run,) = make_runs(organization, 1, status=Run.Status.RUNNING)
    client = caller_client("member")
    before = database_state()
    response = client.post(_url(organization, f"/{run.pk}/finish"), body, format="json")
    error = assert_refused(response, code="invalid")
    assert "status" in error["fields"]
    assert database_state() == before
    run.refresh_from_db()
    assert (run.status, run.finished_at) == ("running", None)


@pytest.mark.parametrize("reference", ["run_nothing", "x" * 300, "run_01" + "z" * 24])
def test_finishing_a_run_that_does_not_exist_is_404(caller_client, organization, reference):
    response = caller_client("member").post(
        _url(organization, f"/{reference}/finish"), {"status": "failed"}, format="json"
    )
    assert response.status_code == 404
    assert error_code(response) == "not_found"


# --- the list ---------------------------------------------------------------------------------


@pytest.mark.parametrize("caller", CALLERS)
def test_every_member_and_api_key_lists_runs_newest_first(caller_client, organization, caller):
    runs = make_runs(organization, 3)
    response = caller_client(caller).get(_url(organization))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"next", "previous", "results"}  # no count: the list has no bound
    assert [row["id"] for row in body["results"]] == [run.pk for run in runs]
    assert body["next"] is None
    assert body["previous"] is None


def _cursor_of(link, name="cursor"):
    return parse_qs(urlparse(link).query)[name][0]


def test_the_list_pages_by_cursor(caller_client, organization):
    runs = make_runs(organization, 5)
    client = caller_client("member")
    first = client.get(_url(organization), {"page_size": 2}).json()
    assert [row["id"] for row in first["results"]] == [runs[0].pk, runs[1].pk]
    assert first["next"] is not None
    assert "page_size=2" in first["next"]
    second = client.get(first["next"]).json()
    assert [row["id"] for row in second["results"]] == [runs[2].pk, runs[3].pk]
    # A run started meanwhile does not shift the pages.
    client.post(_url(organization), {}, format="json")
    third = client.get(second["next"]).json()
    assert [row["id"] for row in third["results"]] == [runs[4].pk]
    assert third["next"] is None
    back = client.get(third["previous"]).json()
    assert [row["id"] for row in back["results"]] == [runs[2].pk, runs[3].pk]
    assert _cursor_of(back["next"]) == _cursor_of(second["next"])


@pytest.mark.parametrize("page_size", ["abc", "0", "-2", "201", "1.5"])
def test_a_page_size_that_is_not_one_is_a_400(caller_client, organization, page_size):
    make_runs(organization, 3)
    response = caller_client("member").get(_url(organization), {"page_size": page_size})
    error = assert_refused(response, code="invalid_page_size")
    assert "from 1 to 200" in error["fields"]["page_size"][0]


@pytest.mark.parametrize("cursor", ["nonsense", "1.run_x", "999999999999999999.run_" + "0" * 26])
def test_a_broken_cursor_is_a_400(caller_client, organization, cursor):
    make_runs(organization, 1)
    response = caller_client("member").get(_url(organization), {"cursor": cursor})
    error = assert_refused(response, code="invalid_cursor")
    assert "cursor" in error["fields"]


def test_a_run_that_never_reported_back_shows_as_timed_out(caller_client, organization):
    (run,) = make_runs(organization, 1, status=Run.Status.RUNNING)
    Run.objects.filter(pk=run.pk).update(
        started_at=timezone.now() - timedelta(seconds=settings.CAUSELOOP_RUN_TIMEOUT + 5)
    )
    (row,) = caller_client("member").get(_url(organization)).json()["results"]
    assert row["status"] == "timed_out"
    assert row["finished_at"] is None


# --- queries ----------------------------------------------------------------------------------


def _start_queries(caller_client, existing):
    organization = OrganizationFactory()
    roomy(organization)
    make_runs(organization, existing)
    make_runs(organization, existing // 5 or 1, status=Run.Status.RUNNING)
    integration = make_integration(organization)
    client = caller_client("member", of=organization)
    client.get(f"/api/v1/organizations/{organization.pk}")  # the token's first use is recorded
    with CaptureQueriesContext(connection) as captured:
        response = client.post(_url(organization), {"integration": integration.pk}, format="json")
    assert response.status_code == 201, response.content
    return len(captured)


def test_starting_a_run_costs_the_same_queries_however_many_runs_exist(caller_client):
    few, many = _start_queries(caller_client, 5), _start_queries(caller_client, 200)
    assert few == many
    # Tenant context, credentials, role, the subscription lock, two bounded reads, the integration,
    # three writes, and the savepoints around them.
    assert few <= 18

"""`GET /organizations/{org}/usage`: the organization's usage in the shape of SPEC §9, for every
member and the organization's API keys, from its daily counters."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from organizations.models import Run, UsageDay
from organizations.services.plans import limits_override
from tests.api.usage_data import CALLERS, client_for, make_integration, make_runs
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def _url(organization):
    return f"/api/v1/organizations/{organization.pk}/usage"


def _client(caller, organization, as_user, as_key, make_member):
    return client_for(caller, organization, as_user=as_user, as_key=as_key, make_member=make_member)


@pytest.mark.parametrize("caller", CALLERS)
def test_every_member_and_api_key_reads_the_usage(
    as_user, as_key, make_member, organization, caller
):
    client = _client(caller, organization, as_user, as_key, make_member)
    started = client.post(f"/api/v1/organizations/{organization.pk}/runs", {}, format="json")
    assert started.status_code == 201
    make_integration(organization)
    response = client.get(_url(organization))
    assert response.status_code == 200, response.content
    usage = response.json()
    assert set(usage) == {
        "plan",
        "timezone",
        "today",
        "month",
        "runs_today",
        "runs_this_month",
        "running",
        "limits",
        "remaining",
        "history",
    }
    assert usage["plan"] == "free"
    assert usage["timezone"] == organization.timezone
    assert (usage["runs_today"], usage["runs_this_month"], usage["running"]) == (1, 1, 1)
    assert usage["limits"] == {
        "daily": 2,
        "monthly": 60,
        "concurrent": 1,
        "providers": 1,
        "seats": organization.seats,
    }
    assert usage["remaining"] == {"daily": 1, "monthly": 59, "concurrent": 0, "providers": 0}
    assert len(usage["history"]) == 30
    assert usage["history"][-1] == {"date": usage["today"], "runs": 1}
    assert usage["month"] == usage["today"][:7]


def test_the_usage_shows_overrides_and_the_last_30_days(as_user, owner, organization):
    limits_override(organization=organization, limits={"daily": 7})
    today = date.fromisoformat(as_user(owner).get(_url(organization)).json()["today"])
    UsageDay.objects.create(organization=organization, day=today - timedelta(days=3), runs=4)
    UsageDay.objects.create(organization=organization, day=today - timedelta(days=40), runs=9)
    usage = as_user(owner).get(_url(organization)).json()
    assert usage["limits"]["daily"] == 7
    history = {row["date"]: row["runs"] for row in usage["history"]}
    assert history[(today - timedelta(days=3)).isoformat()] == 4
    assert (today - timedelta(days=40)).isoformat() not in history
    assert sum(history.values()) == 4


def test_the_usage_reads_the_same_queries_however_many_runs_exist(as_user, make_member):
    counts = []
    for size in (5, 200):
        organization = OrganizationFactory()
        make_runs(organization, size)
        make_runs(organization, 1, status=Run.Status.RUNNING)
        client = as_user(make_member(organization))
        client.get(_url(organization))  # the token's first use is recorded
        with CaptureQueriesContext(connection) as captured:
            assert client.get(_url(organization)).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]
    assert counts[0] <= 12

"""The dashboard's and the plan page's usage: runs today, this month and running against the
limits in force, in figures and meters, and the last 30 days as a chart with its figures."""

import re
from datetime import timedelta

import pytest

from organizations.models import Run, UsageDay
from organizations.roles import Role
from organizations.services.plans import limits_override
from organizations.services.runs import run_finish, run_start
from organizations.usage import usage_of
from tests.factories import OrganizationFactory, member_of

pytestmark = pytest.mark.django_db


def _meter(html, key):
    """The `<meter>` of `key` (its value and max) and the words beside it."""
    bar = re.search(rf'<meter [^>]*aria-labelledby="meter-{key}"[^>]*>', html)
    assert bar, key
    value = re.search(r'value="(\d+)"', bar.group()).group(1)
    maximum = re.search(r'max="(\d+)"', bar.group()).group(1)
    text = re.search(rf'<p class="meter__text" id="meter-{key}-text">(.*?)</p>', html).group(1)
    return int(value), int(maximum), re.sub(r"<[^>]+>", "", text).strip()


@pytest.fixture
def growth():
    """An organization on Growth (20 a day, 600 a month, 3 at once) in New York, and a member."""
    organization = OrganizationFactory(plan_id="growth", timezone="America/New_York")
    return organization, member_of(organization, Role.MEMBER)


def test_the_dashboard_shows_todays_months_and_running_runs_against_the_limits(signed_in, growth):
    organization, member = growth
    started = [run_start(organization=organization, actor=member).run for _ in range(3)]
    run_finish(run=started[0], actor=member, status=Run.Status.SUCCEEDED)
    today = usage_of(organization).usage.today
    # Last month's runs are not this month's.
    UsageDay.objects.create(
        organization=organization, day=today.replace(day=1) - timedelta(days=1), runs=7
    )
    response = signed_in(member).get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert _meter(html, "daily") == (3, 20, "3 of 20 today")
    assert _meter(html, "monthly") == (3, 600, "3 of 600 this month")
    assert _meter(html, "concurrent") == (2, 3, "2 of 3 running")
    assert "limit reached" not in html
    assert "20 runs a day · 600 a month · 3 at once" in html
    assert "Days and months in America/New_York" in html


def test_the_chart_draws_the_last_30_days_and_lists_their_figures(signed_in, growth):
    organization, member = growth
    run_start(organization=organization, actor=member)
    today = usage_of(organization).usage.today
    UsageDay.objects.bulk_create(
        [
            UsageDay(organization=organization, day=today - timedelta(days=5), runs=12),
            UsageDay(organization=organization, day=today - timedelta(days=29), runs=4),
            UsageDay(organization=organization, day=today - timedelta(days=30), runs=50),  # older
        ]
    )
    report = usage_of(organization)
    response = signed_in(member).get("/")
    html = response.content.decode()
    chart = response.context["chart"]
    assert [(bar.day, bar.runs) for bar in chart.bars] == report.history
    assert (chart.total, chart.top, chart.limit) == (17, 20, 20)
    assert chart.busiest.day == today - timedelta(days=5)

    svg = html[html.index("<svg") : html.index("</svg>")]
    assert 'role="img"' in svg
    assert 'aria-labelledby="usage-chart-title"' in svg
    assert svg.count("<rect") == 3  # the days with runs; the others are the empty baseline
    busiest = f"{today - timedelta(days=5):%B} {(today - timedelta(days=5)).day}"
    assert f"17 runs in all; the busiest day was {busiest} with 12. The daily limit is 20." in svg
    # A bar of 12 against a top of 20 is 60 of the chart's 100 units high.
    assert 'height="60.00"' in svg

    table = html[html.index('<table class="usage-chart__table">') :]
    table = table[: table.index("</table>")]
    rows = re.findall(r'<time datetime="([\d-]+)">[^<]*</time></th><td>(\d+)</td>', table)
    assert len(rows) == 30
    assert rows[0] == (today.isoformat(), "1")
    assert (str(today - timedelta(days=5)), "12") in rows
    assert rows[-1] == (str(today - timedelta(days=29)), "4")


def test_a_limit_reached_is_said_in_words(signed_in):
    organization = OrganizationFactory(plan_id="free")  # 2 a day, 1 at once
    owner = member_of(organization, Role.OWNER)
    first = run_start(organization=organization, actor=owner).run
    run_finish(run=first, actor=owner, status=Run.Status.FAILED)
    run_start(organization=organization, actor=owner)
    html = signed_in(owner).get("/").content.decode()
    assert _meter(html, "daily") == (2, 2, "2 of 2 today limit reached")
    assert _meter(html, "concurrent") == (1, 1, "1 of 1 running limit reached")
    assert _meter(html, "monthly") == (2, 60, "2 of 60 this month")


def test_the_platforms_override_wins_over_the_plan(signed_in, growth):
    organization, member = growth
    limits_override(organization=organization, limits={"daily": 5, "providers": 2})
    run_start(organization=organization, actor=member)
    html = signed_in(member).get("/").content.decode()
    assert _meter(html, "daily") == (1, 5, "1 of 5 today")
    assert f"A limit set for {organization.name}, in place of the plan&#x27;s." in html
    assert "5 runs a day · 600 a month" in html


def test_the_plan_page_shows_runs_and_integrations_next_to_the_seats(signed_in, growth):
    organization, _member = growth
    admin = member_of(organization, Role.ADMIN)
    for _ in range(2):
        run_start(organization=organization, actor=admin)
    html = signed_in(admin).get("/admin/plan/").content.decode()
    assert _meter(html, "seats") == (2, 10, "2 of 10 seats in use")
    assert _meter(html, "daily") == (2, 20, "2 of 20 today")
    assert _meter(html, "monthly") == (2, 600, "2 of 600 this month")
    assert _meter(html, "concurrent") == (2, 3, "2 of 3 running")
    assert _meter(html, "providers") == (0, 10, "0 of 10 integrations")


def test_another_organizations_runs_are_not_counted(signed_in, growth):
    _organization, member = growth
    other = OrganizationFactory(plan_id="growth")
    run_start(organization=other, actor=member_of(other, Role.OWNER))
    html = signed_in(member).get("/").content.decode()
    assert _meter(html, "daily") == (0, 20, "0 of 20 today")
    assert "<rect" not in html

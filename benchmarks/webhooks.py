"""What webhooks cost (§10): (a) whether subscribers slow the request that emits an event, and
(b) how fast real workers deliver, and how long an event waits between its commit and its
receiver.

    .venv/bin/python benchmarks/webhooks.py [--invites 200] [--rounds 5] [--events 2000]
        [--workers 2] [--interval 0.25] [--scheduler-interval 0.2] [--paced 50] [--seconds 5]
        [--async-commit] [--receiver-delay 0] [--profile 500] [--skip-invites]

Needs a PostgreSQL server (127.0.0.1:5432, superuser `postgres`; override with PG* variables).
It (re)creates its own database `cl_bench_webhooks` (BENCH_DATABASE) laid out as in production
(benchmarks/production_db.py: the app connects as `causeloop_app`, row-level security on), and
measures:

(a) `POST /api/v1/organizations/{org}/invitations` with an API key, through the whole Django
    stack in this process (the test client, DEBUG off), for an organization with 3 endpoints
    subscribed to `member.invited` and for one with none. Requests alternate between the two,
    one each in turn (the first of each pair swapping every round), so drift hits both alike;
    medians are compared, and the statements of one request of each. The per-organization
    invitation rate limit (50 an hour) is lifted and the seats raised, or the run would stop at
    its 51st invitation; everything else (the per-recipient limit, the audit row, the event,
    the queued mail) is as in production. No worker runs meanwhile. Target: ≤ 1.10×.
(b) `--workers` real `manage.py db_worker` processes (TASKS_BACKEND=database, with their
    scheduler; `--interval` and `--scheduler-interval` as in production: 0.25 s and 0.2 s) and a
    receiver in a process of its own (a threaded HTTP server on loopback answering 204 at once,
    noting when each `webhook-id` arrives). Once the workers have delivered a few warm-up
    events: `--events` events committed at once (a burst), then `--paced` events a second for
    `--seconds` seconds, each its own commit. For the burst it prints deliveries per second
    (commit to last arrival; target ≥ 200/s); for both, the lag from each event's `created_at`
    to its arrival, p50 and p99; and the commits and rows written the database saw per
    delivery (pg_stat_database). `--async-commit` runs the workers with
    `synchronous_commit=off` (PGOPTIONS), to show what waiting for the WAL flush costs them;
    `--receiver-delay` makes the receiver take that long over each answer, as a real one does.
(c) `--profile` deliveries made by one worker loop in this process, each step timed and every
    statement counted (benchmarks/webhook_profile.py): where the time of one delivery goes.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
from contextlib import redirect_stdout
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api import ENV  # noqa: E402 - beside this script
from production_db import APP, HOST, PORT, SUPERUSER, recreate, url  # noqa: E402
from receiver import Receiver  # noqa: E402
from webhook_profile import profile  # noqa: E402

DATABASE = os.environ.get("BENCH_DATABASE", "cl_bench_webhooks")
SEATS = 10_000_000
BENCH_ENV = {
    **ENV,
    "ALLOWED_HOSTS": "127.0.0.1,testserver",
    "EMAIL_URL": "dummymail://",
    "TASKS_BACKEND": "database",
    "CAUSELOOP_ZEAL": "false",
    # The receiver is on loopback.
    "CAUSELOOP_WEBHOOKS_ALLOW_PRIVATE": "true",
}

os.environ.update({**BENCH_ENV, "DATABASE_URL": url(DATABASE, APP)})


# Helpers on the Django side (imported once django.setup() ran).


def organization_with_key(slug: str) -> tuple[Any, str]:
    """An organization onboarded as the platform API does, with room for any number of
    invitations, and its API key."""
    from causeloop.core.tenancy import platform_work
    from onboarding.services.onboard import OnboardRequest, onboard_with_api_key
    from organizations.models import Organization

    with platform_work():
        result, key = onboard_with_api_key(
            request=OnboardRequest(
                org_name=slug.title(),
                org_slug=slug,
                owner_email=f"owner@{slug}.test",
                plan="growth",
                send_welcome_email=False,
            )
        )
        Organization.objects.filter(pk=result.org_id).update(seats=SEATS)
        return Organization.objects.get(pk=result.org_id), key


def subscribe(organization: Any, receiver_url: str, event_types: list[list[str] | None]) -> None:
    from causeloop.core.tenancy import platform_work
    from organizations.models import ApiKey
    from webhooks.services.endpoints import endpoint_create

    with platform_work():
        key = ApiKey.objects.filter(organization=organization).first()
        for index, types in enumerate(event_types):
            endpoint_create(
                organization=organization,
                actor=key,
                url=f"{receiver_url}/{organization.slug}/{index}",
                event_types=types,
            )


def forget_pending_work() -> None:
    """Events and tasks left by a previous part are not this part's to deliver."""
    from django_tasks_db.models import DBTaskResult

    from causeloop.core.tenancy import platform_work
    from organizations.models import Event

    with platform_work():
        Event.objects.filter(relayed=False).update(relayed=True)
        DBTaskResult.objects.all().delete()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


# (a) The request that emits the event.


def invite_requests(options: argparse.Namespace, receiver: Receiver) -> None:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "invitation_send": ""}
    quiet, quiet_key = organization_with_key("quiet")
    hooked, hooked_key = organization_with_key("hooked")
    subscribe(hooked, receiver.url, [None, ["member.*"], ["member.invited"]])
    cases = {
        "no endpoints": (quiet, quiet_key),
        "3 endpoints subscribed": (hooked, hooked_key),
    }
    client = Client()
    sent = 0

    def invite(organization: Any, key: str) -> float:
        nonlocal sent
        sent += 1
        began = time.perf_counter()
        response = client.post(
            f"/api/v1/organizations/{organization.slug}/invitations",
            data=json.dumps({"email": f"person{sent}@{organization.slug}.test", "role": "member"}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )
        took = time.perf_counter() - began
        if response.status_code != 201:
            raise SystemExit(f"invitation answered {response.status_code}: {response.content!r}")
        return took

    for organization, key in cases.values():  # warm up
        for _ in range(20):
            invite(organization, key)
    statements: dict[str, int] = {}
    for name, (organization, key) in cases.items():
        with CaptureQueriesContext(connection) as captured:
            invite(organization, key)
        statements[name] = len(captured.captured_queries)

    timings: dict[str, list[float]] = {name: [] for name in cases}
    names = list(cases)
    for round_number in range(options.rounds):
        order = names if round_number % 2 == 0 else names[::-1]
        for _ in range(options.invites):
            for name in order:
                timings[name].append(invite(*cases[name]))
    medians = {name: statistics.median(values) for name, values in timings.items()}
    print(
        f"(a) POST /api/v1/organizations/{{org}}/invitations, API key, in process; "
        f"{options.rounds} rounds × {options.invites} requests per organization, in turn"
    )
    for name, values in timings.items():
        print(
            f"     {name:<24} median {medians[name] * 1000:6.2f} ms, "
            f"p95 {percentile(values, 0.95) * 1000:6.2f} ms, {statements[name]} statements"
        )
    ratio = medians["3 endpoints subscribed"] / medians["no endpoints"]
    verdict = "met" if ratio <= 1.10 else "NOT met"
    print(f"     3 endpoints / none: {ratio:.3f}×  (target ≤ 1.10×: {verdict})")


# (b) Deliveries by real workers.


def start_workers(options: argparse.Namespace) -> list[Any]:
    import subprocess

    env = {
        **os.environ,
        "DATABASE_URL": url(DATABASE, APP),
        "CAUSELOOP_WEBHOOKS_SCHEDULER_INTERVAL": str(options.scheduler_interval),
    }
    if options.async_commit:
        env["PGOPTIONS"] = "-c synchronous_commit=off"
    command = [
        sys.executable,
        str(ROOT / "manage.py"),
        "db_worker",
        "-v0",
        "--no-reload",
        "--no-startup-delay",
        "--interval",
        str(options.interval),
    ]
    return [subprocess.Popen(command, cwd=ROOT, env=env) for _ in range(options.workers)]


def emit_events(organization: Any, count: int) -> dict[str, datetime]:
    """`count` events of the organization in one commit; their ids and `created_at`."""
    from causeloop.core.tenancy import platform_work
    from organizations.events import event_entry
    from organizations.models import Event

    with platform_work():
        events = Event.objects.bulk_create(
            event_entry(organization, type="member.invited", data={"email": f"{n}@x.test"})
            for n in range(count)
        )
    return {event.pk: event.created_at for event in events}


def wait_for(receiver: Receiver, total: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while receiver.received() < total:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {receiver.received()} of {total} deliveries arrived")
        time.sleep(0.01)


def database_counters() -> tuple[int, int]:
    """Commits, and rows read and written, in the benchmark database so far."""
    with psycopg.connect(
        host=HOST, port=PORT, user=SUPERUSER, dbname="postgres", autocommit=True
    ) as db:
        db.execute("SELECT pg_stat_force_next_flush()")
        row = db.execute(
            "SELECT xact_commit, tup_inserted + tup_updated + tup_deleted "
            "FROM pg_stat_database WHERE datname = %s",
            [DATABASE],
        ).fetchone()
    return int(row[0]), int(row[1])


def lag_line(lags: list[float]) -> str:
    return (
        f"p50 {percentile(lags, 0.50) * 1000:7.1f} ms, p99 {percentile(lags, 0.99) * 1000:7.1f} ms,"
        f" max {max(lags) * 1000:7.1f} ms"
    )


def deliveries(options: argparse.Namespace, receiver: Receiver) -> None:
    from django.db.models import Count

    from causeloop.core.tenancy import platform_work
    from webhooks.models import WebhookDelivery

    forget_pending_work()
    organization, _key = organization_with_key("burst")
    subscribe(organization, receiver.url, [["member.invited"]])
    forget_pending_work()
    base = receiver.received()
    workers = start_workers(options)
    try:
        emit_events(organization, 20)  # warm up: workers started, connections open
        wait_for(receiver, base + 20, timeout=60)
        base = receiver.received()

        commits_before, rows_before = database_counters()
        began = time.time()
        burst = emit_events(organization, options.events)
        committed = time.time()
        wait_for(receiver, base + options.events, timeout=600)
        time.sleep(1)  # the workers' last bookkeeping
        commits_after, rows_after = database_counters()
        base = receiver.received()

        paced: dict[str, datetime] = {}
        gap = 1 / options.paced
        for _ in range(int(options.paced * options.seconds)):
            due = time.monotonic() + gap
            paced.update(emit_events(organization, 1))
            time.sleep(max(0.0, due - time.monotonic()))
        wait_for(receiver, base + len(paced), timeout=120)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
    with platform_work():
        states = dict(
            WebhookDelivery.objects.filter(organization=organization)
            .values_list("state")
            .annotate(count=Count("id"))
        )
    profiled = io.StringIO()
    if options.profile:  # (c), on the same receiver; printed after (b)
        with redirect_stdout(profiled):
            profile(organization, options.profile, emit_events)

    arrivals = receiver.arrivals()
    first_arrival: dict[str, float] = {}
    for webhook_id, at in arrivals:
        first_arrival.setdefault(webhook_id, at)
    duplicates = len(arrivals) - len(first_arrival)
    burst_arrivals = [first_arrival[event_id] for event_id in burst]
    last = max(burst_arrivals)
    rate = options.events / (last - committed)
    verdict = "met" if rate >= 200 else "NOT met"
    print(
        f"(b) {options.workers} db_worker processes (--interval {options.interval}, scheduler "
        f"every {options.scheduler_interval} s) → a receiver on loopback answering 204 after "
        f"{options.receiver_delay * 1000:.0f} ms"
    )
    print(
        f"     burst of {options.events:,} events committed at once "
        f"(written in {(committed - began) * 1000:.0f} ms):"
    )
    print(
        f"       first arrival {(min(burst_arrivals) - committed) * 1000:.0f} ms after the commit,"
        f" last {last - committed:.2f} s after"
    )
    print(f"       {rate:7.1f} deliveries/s  (target ≥ 200/s: {verdict})")
    lags = [first_arrival[event_id] - created.timestamp() for event_id, created in burst.items()]
    print(f"       lag from created_at to arrival: {lag_line(lags)}")
    commits = (commits_after - commits_before) / options.events
    rows = (rows_after - rows_before) / options.events
    print(f"       per delivery: {commits:.1f} commits, {rows:.1f} rows written (pg_stat_database)")
    paced_lags = [
        first_arrival[event_id] - created.timestamp() for event_id, created in paced.items()
    ]
    print(
        f"     paced: {len(paced):,} events at {options.paced}/s over {options.seconds} s, each "
        f"its own commit"
    )
    print(f"       lag from created_at to arrival: {lag_line(paced_lags)}")
    print(f"     deliveries by state: {states}; requests beyond one per event: {duplicates}")
    print(profiled.getvalue(), end="")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--invites", type=int, default=200, help="(a) requests per round and org")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--events", type=int, default=2000, help="(b) the burst's events")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--interval", type=float, default=0.25, help="db_worker --interval")
    parser.add_argument("--scheduler-interval", type=float, default=0.2)
    parser.add_argument("--paced", type=float, default=50, help="(b) paced events per second")
    parser.add_argument("--seconds", type=float, default=5, help="(b) paced phase's length")
    parser.add_argument(
        "--async-commit", action="store_true", help="(b) workers with synchronous_commit=off"
    )
    parser.add_argument("--profile", type=int, default=0, help="(c) deliveries to profile")
    parser.add_argument(
        "--receiver-delay", type=float, default=0.0, help="(b) seconds before each answer"
    )
    parser.add_argument("--skip-invites", action="store_true", help="leave (a) out")
    options = parser.parse_args()

    recreate(DATABASE, BENCH_ENV)
    receiver = Receiver(delay=options.receiver_delay)  # forked before Django connects
    import django

    django.setup()
    if not options.skip_invites:
        invite_requests(options, receiver)
    deliveries(options, receiver)


if __name__ == "__main__":
    main()

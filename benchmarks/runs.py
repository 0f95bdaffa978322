"""What starting a run costs (§9: the hot path): requests per second of `POST …/runs` against a
public endpoint, starts per second at 0 and at 1,000,000 kept runs, and queries per start.

    .venv/bin/python benchmarks/runs.py [--runs 1000000] [--starts 300] [--rounds 5]
                                        [--seconds 10] [--connections 8] [--workers 2]
    BENCH_RUNS=20000 .venv/bin/python benchmarks/runs.py --seconds 3    # a quick run

Needs what benchmarks/api.py needs (PostgreSQL, wrk) and reuses its helpers. It (re)creates its
own database `cl_bench_runs` (BENCH_DATABASE), laid out as in production, and measures:

(i) through gunicorn and wrk, the better of two rounds each: `POST
    /api/v1/organizations/bench/runs` with an API key, against `GET /api/v1/invitations/<token>`
    (the public endpoint of benchmarks/api.py). The organization's limits are overridden far above
    what the run can use, so no start is refused; a background client finishes the started runs
    every 0.2 s, as the product reporting back would, so what is running stays as small as a real
    concurrent limit keeps it. Target: ≥ 0.8× the public endpoint.
(ii) in this process (the application role, row-level security on), each start as a request
    makes it (one transaction: enter the tenant, `run_start`): starts per second in an
    organization with no runs and in one with `--runs` kept runs, inserted as the owner role by
    one `INSERT … SELECT generate_series` over the last thousand days (with their daily counters;
    0.1% never finished). Starts alternate between the two organizations, one each in turn, so
    that drift hits both alike; the started runs finish between rounds; medians are compared.
    Target: within 10%.
(iii) the queries of one start in each organization (CaptureQueriesContext): equal.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api import ENV, ensure_wrk, free_port, rate, seed, serve  # noqa: E402 - beside this script
from production_db import APP, HOST, OWNER, PORT, SUPERUSER, recreate, url  # noqa: E402

DATABASE = os.environ.get("BENCH_DATABASE", "cl_bench_runs")
RUNS = int(os.environ.get("BENCH_RUNS", "1000000"))
BIG = 10_000_000  # the largest override the platform may set: no start is refused
# wrk's Lua: every request a POST with an empty JSON object.
POST_SCRIPT = """wrk.method = "POST"
wrk.body = "{}"
wrk.headers["Content-Type"] = "application/json"
"""

os.environ.update({**ENV, "DATABASE_URL": url(DATABASE, APP), "EMAIL_URL": "dummymail://"})


def connect(role: tuple[str, str], **settings: str) -> psycopg.Connection:
    """A plain connection to the benchmark database (autocommit), with session settings."""
    db = psycopg.connect(url(DATABASE, role), autocommit=True)
    for name, value in settings.items():
        db.execute("SELECT set_config(%s, %s, false)", [name, value])
    return db


def superuser() -> psycopg.Connection:
    return psycopg.connect(
        host=HOST,
        port=PORT,
        user=SUPERUSER,
        password=os.environ.get("PGPASSWORD"),
        dbname=DATABASE,
        autocommit=True,
    )


def organization_for_runs(slug: str) -> tuple[Any, Any]:
    """An organization (limits overridden out of the way) and its API key, made by the services."""
    from causeloop.core.tenancy import platform_work
    from onboarding.services.onboard import OnboardRequest, onboard_with_api_key
    from organizations.models import ApiKey, Organization
    from organizations.services.plans import limits_override

    with platform_work():
        result, _secret = onboard_with_api_key(
            request=OnboardRequest(
                org_name=slug.title(),
                org_slug=slug,
                owner_email=f"owner@{slug}.test",
                plan="growth",
                send_welcome_email=False,
            )
        )
        organization = Organization.objects.get(pk=result.org_id)
        limits_override(
            organization=organization, limits={"daily": BIG, "monthly": BIG, "concurrent": BIG}
        )
        key = ApiKey.objects.get(organization=organization)
    return organization, key


def keep_runs(organization_id: str, key_id: str, runs: int) -> float:
    """`runs` finished runs over the thousand days before today, 0.1% never finished, and
    their daily counters: one statement each, as the owner role. Returns the seconds taken."""
    began = time.perf_counter()
    with connect(OWNER, **{"app.platform": "on"}) as db:
        db.execute(
            "INSERT INTO organizations_run (id, organization_id, name, status, day, started_at, "
            "finished_at, started_by_api_key_id) "
            "SELECT 'run_' || lpad(to_hex(n), 26, '0'), %(org)s, 'kept ' || n, "
            "  CASE WHEN n %% 1000 = 0 THEN 'running' ELSE 'succeeded' END, "
            "  (at AT TIME ZONE 'UTC')::date, at, "
            "  CASE WHEN n %% 1000 = 0 THEN NULL ELSE at + interval '2 minutes' END, %(key)s "
            "FROM generate_series(1, %(runs)s) AS n, "
            "  LATERAL (SELECT date_trunc('day', now()) - interval '1000 days' "
            "    + (n - 1) * (interval '1000 days' / %(runs)s) AS at) AS moment",
            {"org": organization_id, "key": key_id, "runs": runs},
        )
        db.execute(
            "INSERT INTO organizations_usageday (organization_id, day, runs) "
            "SELECT organization_id, day, count(*) FROM organizations_run "
            "WHERE organization_id = %(org)s GROUP BY organization_id, day",
            {"org": organization_id},
        )
        db.execute("VACUUM ANALYZE organizations_run")
        db.execute("VACUUM ANALYZE organizations_usageday")
    return time.perf_counter() - began


def finish_running(organization_ids: list[str]) -> int:
    """What a product reporting back does: every running run of these organizations finishes."""
    with superuser() as db:
        return db.execute(
            "UPDATE organizations_run SET status = 'succeeded', finished_at = now() "
            "WHERE organization_id = ANY(%s) AND status = 'running' AND started_at > "
            "now() - interval '1 hour'",
            [organization_ids],
        ).rowcount


def one_start(organization: Any, key: Any) -> None:
    """A start as a request makes it: one transaction, the tenant entered, the service called."""
    from django.db import transaction

    from causeloop.core.tenancy import enter_tenant
    from organizations.services.runs import run_start

    with transaction.atomic():
        enter_tenant(organization)
        run_start(organization=organization, actor=key)


def service_starts(options: argparse.Namespace) -> None:
    """(ii) and (iii): the service in this process, at 0 and at `--runs` kept runs."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sizes = {0: organization_for_runs("empty"), options.runs: organization_for_runs("kept")}
    organization, key = sizes[options.runs]
    seconds = keep_runs(organization.pk, key.pk, options.runs)
    print(f"(ii) {options.runs:,} runs kept in one organization, inserted in {seconds:.1f} s")

    queries: dict[int, list[str]] = {}
    for size, (organization, key) in sizes.items():
        one_start(organization, key)  # warm up
        with CaptureQueriesContext(connection) as captured:
            one_start(organization, key)
        queries[size] = [query["sql"] for query in captured.captured_queries]
    timings: dict[int, list[float]] = {size: [] for size in sizes}
    for _round in range(options.rounds):
        for _ in range(options.starts):
            for size, (organization, key) in sizes.items():  # one each, in turn: same drift
                began = time.perf_counter()
                one_start(organization, key)
                timings[size].append(time.perf_counter() - began)
        finish_running([org.pk for org, _key in sizes.values()])
    connection.close()

    medians = {size: statistics.median(values) for size, values in timings.items()}
    print(f"     {options.rounds} rounds × {options.starts} starts per organization, in turn")
    for size, median in medians.items():
        p95 = sorted(timings[size])[int(len(timings[size]) * 0.95)]
        print(
            f"     {size:>9,} kept runs: {1 / median:7.1f} starts/s "
            f"(median {median * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms)"
        )
    ratio = medians[options.runs] / medians[0]
    verdict = "met" if ratio <= 1.10 else "NOT met"
    print(
        f"     time per start, {options.runs:,} vs 0 kept runs: {ratio:.3f} "
        f"({(ratio - 1) * 100:+.1f}%; target within 10%: {verdict})"
    )
    counts = {size: len(statements) for size, statements in queries.items()}
    same = "equal" if len(set(counts.values())) == 1 else "NOT equal"
    print(
        "(iii) queries per start: "
        + ", ".join(f"{count} at {size:,} kept runs" for size, count in counts.items())
        + f" — {same}"
    )
    for statement in queries[0]:
        print(f"      {statement[:110]}")


def finisher(organization_id: str, stop: threading.Event) -> None:
    while not stop.wait(0.2):
        finish_running([organization_id])


def http_starts(options: argparse.Namespace) -> None:
    """(i): `POST …/runs` with an API key against the public endpoint, through gunicorn."""
    from causeloop.core.tenancy import platform_work
    from organizations.models import Organization
    from organizations.services.plans import limits_override

    api_key, _personal, invite = seed(DATABASE)
    with platform_work():
        organization = Organization.objects.get(slug="bench")
        limits_override(
            organization=organization, limits={"daily": BIG, "monthly": BIG, "concurrent": BIG}
        )
    wrk = ensure_wrk()
    port = free_port()
    base = f"http://127.0.0.1:{port}/api/v1"
    runs = f"{base}/organizations/bench/runs"
    header = f"Authorization: Bearer {api_key}"
    server = serve(port, options.workers, DATABASE)
    stop = threading.Event()
    helper = threading.Thread(target=finisher, args=(organization.pk, stop))
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(POST_SCRIPT)
    try:
        probe = urllib.request.Request(
            runs,
            data=b"{}",
            method="POST",
            headers={"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"},
        )
        try:
            answered = urllib.request.urlopen(probe, timeout=10).status
        except urllib.error.HTTPError as error:
            answered = error.code
        if answered != 201:
            print(f"(i) skipped: POST {runs} answered {answered}, not 201 (no runs API here yet)")
            return
        helper.start()
        cases = {
            "POST /organizations/bench/runs, API key": (runs, header, script.name),
            "GET /invitations/<token>, public": (f"{base}/invitations/{invite}", None, None),
        }
        for target, auth, lua in cases.values():  # warm up every worker and connection
            rate(wrk, target, 2, options.connections, auth, lua)
        best = dict.fromkeys(cases, 0.0)
        for _round in range(2):
            for name, (target, auth, lua) in cases.items():
                best[name] = max(
                    best[name], rate(wrk, target, options.seconds, options.connections, auth, lua)
                )
    finally:
        stop.set()
        if helper.is_alive():
            helper.join()
        server.terminate()
        server.wait(timeout=10)
        Path(script.name).unlink()
    print(
        f"(i) gunicorn, {options.workers} workers; wrk, {options.connections} connections, "
        f"{options.seconds} s × 2 rounds, best"
    )
    for name, value in best.items():
        print(f"     {name:<42} {value:8.1f} req/s")
    ratio = best[next(iter(cases))] / best["GET /invitations/<token>, public"]
    verdict = "met" if ratio >= 0.8 else "NOT met"
    print(f"     runs / public: {ratio:.2f}×  (target ≥ 0.80×: {verdict})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=RUNS, help="runs kept in the big organization")
    parser.add_argument("--starts", type=int, default=300, help="starts per round and organization")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=10, help="wrk seconds per round")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()

    recreate(DATABASE, ENV)
    import django

    django.setup()
    service_starts(options)
    http_starts(options)


if __name__ == "__main__":
    main()

"""How fast clients are provisioned: one `onboard_client` call at a time against a raw-SQL floor,
and bulk onboarding of a CSV through `manage.py onboard_clients`, in one run on one throwaway
database.

    .venv/bin/python benchmarks/onboard.py [--n 1000] [--csv-rows 10000] [--keep] [--show-queries]

Needs a PostgreSQL server (127.0.0.1:5432, superuser `postgres`; override with PG* variables).
It (re)creates its own database `cl_bench` (BENCH_DATABASE), migrates it, then provisions:

- `--n` clients through `onboarding.services.onboard_client` (one call each), and `--n` through
  the floor: psycopg, the same rows into the same tables (organization, workspace, owner user
  and their verified address, workspace settings, subscription, membership, audit row and its
  event), one transaction per client, no validation and no lookups. The two run in alternating
  rounds of 100, so that a busy machine slows both alike;
- `--csv-rows` rows through `manage.py onboard_clients` on a generated CSV (call_command, the
  report written to /dev/null): the whole file checked, then written in batches.

No welcome email is sent (`send_welcome_email=False`, `--no-email`): mail is the worker's job,
and the floor sends none.

It prints clients per second for each, the single call's ratio to the floor and the queries one
onboarding makes, then drops the database (unless `--keep`). Targets: a single call at ≥ 0.7×
the floor; 10,000 CSV rows in under 5 s (beyond what one transaction per client can do).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HOST = os.environ.get("PGHOST", "127.0.0.1")
PORT = os.environ.get("PGPORT", "5432")
SUPERUSER = os.environ.get("PGSUPERUSER", "postgres")
PASSWORD = os.environ.get("PGPASSWORD", "")
DATABASE = os.environ.get("BENCH_DATABASE", "cl_bench")


def dsn(database: str) -> str:
    auth = f"{SUPERUSER}:{PASSWORD}" if PASSWORD else SUPERUSER
    return f"postgres://{auth}@{HOST}:{PORT}/{database}"


def recreate_database() -> None:
    with psycopg.connect(dsn("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{DATABASE}"')


def drop_database() -> None:
    with psycopg.connect(dsn("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


os.environ.update(
    {
        "DATABASE_URL": dsn(DATABASE),
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "benchmark-secret-key-" + "0123456789" * 4),
        "CAUSELOOP_MASTER_KEY": os.environ.get("CAUSELOOP_MASTER_KEY", "benchmark-master-key"),
        "CAUSELOOP_ZEAL": "false",
        "LOG_LEVEL": "ERROR",
        "DJANGO_SETTINGS_MODULE": "causeloop.settings",
    }
)

PLANS = ("free", "starter", "growth", "enterprise")


def client_params(prefix: str, index: int) -> dict[str, str]:
    return {
        "org_name": f"{prefix.title()} Client {index}",
        "org_slug": f"{prefix}-{index}",
        "owner_email": f"owner{index}@{prefix}.bench.test",
        "plan": PLANS[index % len(PLANS)],
    }


ROUND = 100


def run_service(start: int, count: int) -> float:
    from onboarding.services.onboard import OnboardRequest, onboard_client

    requests = [
        OnboardRequest(**client_params("svc", index), send_welcome_email=False)
        for index in range(start, start + count)
    ]
    started = time.perf_counter()
    for request in requests:
        result = onboard_client(request=request)
        assert result.created
    return time.perf_counter() - started


def run_single_and_floor(n: int) -> tuple[float, float]:
    """Seconds for `n` single calls and for `n` clients of the floor, in alternating rounds."""
    service = floor = 0.0
    for start in range(0, n, ROUND):
        count = min(ROUND, n - start)
        service += run_service(start, count)
        floor += run_floor(start, count)
    return service, floor


def run_csv(rows: int) -> float:
    from django.core.management import call_command

    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "slug", "email", "plan"])
        for index in range(rows):
            params = client_params("csv", index)
            writer.writerow(
                [params["org_name"], params["org_slug"], params["owner_email"], params["plan"]]
            )
        path = handle.name
    try:
        with open(os.devnull, "w") as sink:
            started = time.perf_counter()
            call_command("onboard_clients", path, "--no-email", stdout=sink, stderr=sink)
            elapsed = time.perf_counter() - started
    finally:
        os.unlink(path)
    return elapsed


def run_floor(start: int, count: int) -> float:
    """The same rows, inserted by hand: the least work provisioning a client can be."""
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from causeloop.core.ids import new_id
    from organizations.models import Plan

    seats = dict(Plan.objects.values_list("code", "seats"))
    trial = timedelta(days=settings.CAUSELOOP_TRIAL_DAYS)
    with psycopg.connect(dsn(DATABASE)) as conn:
        started = time.perf_counter()
        for index in range(start, start + count):
            params = client_params("raw", index)
            now = timezone.now()
            org_id, ws_id, user_id = new_id("org"), new_id("ws"), new_id("usr")
            mem_id, sub_id, aud_id = new_id("mem"), new_id("sub"), new_id("aud")
            plan, email, name = params["plan"], params["owner_email"], params["org_name"]
            details = {"slug": params["org_slug"], "plan": plan, "owner": email}
            event = {
                "organization_id": org_id,
                "audit_id": aud_id,
                "actor": {"name": "platform", "type": "platform", "id": None},
                "target": {"type": "workspace", "id": ws_id, "name": name},
                "details": details,
            }
            with conn.transaction():
                conn.execute(
                    "INSERT INTO organizations_organization (id, name, slug, kind, status, plan_id,"
                    " seats, timezone, logo, primary_color, secondary_color, settings, created_at,"
                    " updated_at) VALUES (%s, %s, %s, 'company', 'active', %s, %s, 'UTC', '',"
                    " '#000000', '#ffffff', '{}', %s, %s)",
                    (org_id, name, params["org_slug"], plan, seats[plan], now, now),
                )
                conn.execute(
                    "INSERT INTO organizations_workspace (id, organization_id, name, slug,"
                    " created_at) VALUES (%s, %s, %s, %s, %s)",
                    (ws_id, org_id, name, params["org_slug"], now),
                )
                conn.execute(
                    "INSERT INTO organizations_workspacesettings (organization_id, workspace_id,"
                    " timezone, report_schedule, locale) VALUES (%s, %s, 'UTC', 'weekly', 'en-us')",
                    (org_id, ws_id),
                )
                conn.execute(
                    "INSERT INTO organizations_subscription (id, organization_id, billing_status,"
                    " trial_ends_at, created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s)",
                    (
                        sub_id,
                        org_id,
                        "active" if plan == "free" else "trialing",
                        None if plan == "free" else now + trial,
                        now,
                        now,
                    ),
                )
                conn.execute(
                    "INSERT INTO memberships_user (id, password, is_superuser, email, name,"
                    " is_active, is_staff, date_joined) VALUES (%s, %s, false, %s, %s, true,"
                    " false, %s)",
                    (user_id, make_password(None), email, email.split("@")[0], now),
                )
                conn.execute(
                    'INSERT INTO account_emailaddress (user_id, email, verified, "primary")'
                    " VALUES (%s, %s, true, true)",
                    (user_id, email),
                )
                conn.execute(
                    "INSERT INTO memberships_membership (id, user_id, organization_id, role,"
                    " is_active, joined_at) VALUES (%s, %s, %s, 'owner', true, %s)",
                    (mem_id, user_id, org_id, now),
                )
                conn.execute(
                    "INSERT INTO organizations_auditlog (id, organization_id, workspace_id,"
                    " actor_name, action, target_type, target_id, target_repr, details,"
                    " created_at) VALUES (%s, %s, %s, 'platform', 'workspace.created',"
                    " 'workspace', %s, %s, %s, %s)",
                    (aud_id, org_id, ws_id, ws_id, name, json.dumps(details), now),
                )
                conn.execute(
                    "INSERT INTO organizations_event (id, organization_id, type, data, created_at,"
                    " relayed) VALUES (%s, %s, 'workspace.created', %s, %s, false)",
                    (new_id("evt"), org_id, json.dumps(event), now),
                )
        return time.perf_counter() - started


def queries_per_onboarding() -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from onboarding.services.onboard import OnboardRequest, onboard_client

    with CaptureQueriesContext(connection) as captured:
        onboard_client(
            request=OnboardRequest(**client_params("probe", 0), send_welcome_email=False)
        )
    return [query["sql"] for query in captured.captured_queries]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--n", type=int, default=1000, help="single calls, and floor clients (default 1000)"
    )
    parser.add_argument(
        "--csv-rows", type=int, default=10_000, help="rows in the CSV run (default 10000)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--show-queries", action="store_true", help="print the SQL of one onboarding"
    )
    args = parser.parse_args()

    recreate_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from causeloop.core.tenancy import enter_platform

    try:
        call_command("migrate", verbosity=0)
        enter_platform()  # an operator's run, as the commands are (the superuser bypasses RLS)
        queries = queries_per_onboarding()
        service, floor = run_single_and_floor(args.n)
        csv_seconds = run_csv(args.csv_rows)

        def rate(count: int, seconds: float) -> float:
            return count / seconds if seconds else float("inf")

        def verdict(met: bool) -> str:
            return "met" if met else "NOT met"

        out = io.StringIO()
        print(f"onboarding benchmark on PostgreSQL ({HOST}:{PORT}/{DATABASE})", file=out)
        print(f"  queries per onboarding (new owner): {len(queries)}", file=out)
        print(
            f"  single call    {args.n:>6} clients  {service:7.2f} s  "
            f"{rate(args.n, service):8.1f} clients/s",
            file=out,
        )
        print(
            f"  raw-SQL floor  {args.n:>6} clients  {floor:7.2f} s  "
            f"{rate(args.n, floor):8.1f} clients/s",
            file=out,
        )
        print(
            f"  onboard_clients{args.csv_rows:>6} rows     {csv_seconds:7.2f} s  "
            f"{rate(args.csv_rows, csv_seconds):8.1f} clients/s",
            file=out,
        )
        ratio = rate(args.n, service) / rate(args.n, floor)
        print(
            f"  single call / floor: {ratio:.2f}x  (target >= 0.70x: {verdict(ratio >= 0.7)})",
            file=out,
        )
        if args.csv_rows >= 10_000:
            print(
                f"  bulk: {args.csv_rows:,} CSV rows in {csv_seconds:.1f} s "
                f"(target 10,000 in < 5 s: {verdict(csv_seconds / args.csv_rows * 10_000 < 5)})",
                file=out,
            )
        else:
            projected = csv_seconds / args.csv_rows * 10_000 if args.csv_rows else 0
            print(
                f"  bulk: 10,000 CSV rows projected: {projected:.1f} s (target < 5 s; measure "
                "with --csv-rows 10000)",
                file=out,
            )
        print(out.getvalue(), end="")
        if args.show_queries:
            print("\n".join(queries))
    finally:
        connections.close_all()
        if not args.keep:
            drop_database()


if __name__ == "__main__":
    main()

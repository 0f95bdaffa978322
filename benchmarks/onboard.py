"""How fast clients are provisioned: the onboarding service, the CSV command and a raw-SQL floor,
in one run on one throwaway database.

    .venv/bin/python benchmarks/onboard.py [--n 1000] [--csv-rows N] [--keep]

Needs a PostgreSQL server (127.0.0.1:5432, superuser `postgres`; override with PG* variables).
It (re)creates its own database `cl_bench` (BENCH_DATABASE), migrates it, then provisions:

- `--n` clients through `onboarding.services.onboard_client` (one call each);
- `--csv-rows` rows (default: `--n`) through `manage.py onboard_clients` on a generated CSV
  (call_command, each row its own transaction, the report written to /dev/null);
- `--n` clients through the floor: psycopg, the same inserts into the same tables
  (organization, workspace, owner user, workspace settings, subscription, membership, audit
  row), one transaction per client, no validation and no lookups.

It prints clients per second for each, the ratio service/floor and the queries one onboarding
makes, then drops the database (unless `--keep`). Targets: the service at ≥ 0.5× the floor;
10,000 CSV rows in under 60 s (`--csv-rows 10000`).
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


def run_service(n: int) -> float:
    from onboarding.services.onboard import OnboardRequest, onboard_client

    started = time.perf_counter()
    for index in range(n):
        result = onboard_client(
            request=OnboardRequest(**client_params("svc", index), send_welcome_email=False)
        )
        assert result.created
    return time.perf_counter() - started


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


def run_floor(n: int) -> float:
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
        for index in range(n):
            params = client_params("raw", index)
            now = timezone.now()
            org_id, ws_id, user_id = new_id("org"), new_id("ws"), new_id("usr")
            mem_id, sub_id, aud_id = new_id("mem"), new_id("sub"), new_id("aud")
            plan, email = params["plan"], params["owner_email"]
            with conn.transaction():
                conn.execute(
                    "INSERT INTO organizations_organization (id, name, slug, kind, status, plan_id,"
                    " seats, timezone, logo, primary_color, secondary_color, settings, created_at,"
                    " updated_at) VALUES (%s, %s, %s, 'company', 'active', %s, %s, 'UTC', '',"
                    " '#000000', '#ffffff', '{}', %s, %s)",
                    (org_id, params["org_name"], params["org_slug"], plan, seats[plan], now, now),
                )
                conn.execute(
                    "INSERT INTO organizations_workspace (id, organization_id, name, slug,"
                    " created_at) VALUES (%s, %s, %s, %s, %s)",
                    (ws_id, org_id, params["org_name"], params["org_slug"], now),
                )
                conn.execute(
                    "INSERT INTO organizations_workspacesettings (workspace_id, timezone,"
                    " report_schedule, locale) VALUES (%s, 'UTC', 'weekly', 'en-us')",
                    (ws_id,),
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
                    "INSERT INTO memberships_membership (id, user_id, organization_id, role,"
                    " is_active, joined_at) VALUES (%s, %s, %s, 'owner', true, %s)",
                    (mem_id, user_id, org_id, now),
                )
                conn.execute(
                    "INSERT INTO organizations_auditlog (id, organization_id, workspace_id,"
                    " actor_name, action, target_type, target_id, target_repr, details,"
                    " created_at) VALUES (%s, %s, %s, 'platform', 'workspace.created',"
                    " 'workspace', %s, %s, %s, %s)",
                    (
                        aud_id,
                        org_id,
                        ws_id,
                        ws_id,
                        params["org_name"],
                        json.dumps({"slug": params["org_slug"], "plan": plan, "owner": email}),
                        now,
                    ),
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
    parser.add_argument("--n", type=int, default=1000, help="clients per method (default 1000)")
    parser.add_argument(
        "--csv-rows", type=int, default=None, help="rows in the CSV run (default: --n)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--show-queries", action="store_true", help="print the SQL of one onboarding"
    )
    args = parser.parse_args()
    csv_rows = args.n if args.csv_rows is None else args.csv_rows

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
        service = run_service(args.n)
        csv_seconds = run_csv(csv_rows)
        floor = run_floor(args.n)

        def rate(count: int, seconds: float) -> float:
            return count / seconds if seconds else float("inf")

        out = io.StringIO()
        print(f"onboarding benchmark on PostgreSQL ({HOST}:{PORT}/{DATABASE})", file=out)
        print(f"  queries per onboarding (new owner): {len(queries)}", file=out)
        print(
            f"  service        {args.n:>6} clients  {service:7.2f} s  "
            f"{rate(args.n, service):8.1f} clients/s",
            file=out,
        )
        print(
            f"  onboard_clients{csv_rows:>6} rows     {csv_seconds:7.2f} s  "
            f"{rate(csv_rows, csv_seconds):8.1f} clients/s",
            file=out,
        )
        print(
            f"  raw-SQL floor  {args.n:>6} clients  {floor:7.2f} s  "
            f"{rate(args.n, floor):8.1f} clients/s",
            file=out,
        )
        ratio = rate(args.n, service) / rate(args.n, floor)
        print(
            f"  service / floor: {ratio:.2f}x  (target >= 0.50x: "
            f"{'met' if ratio >= 0.5 else 'NOT met'})",
            file=out,
        )
        if csv_rows >= 10_000:
            print(
                f"  {csv_rows} CSV rows in {csv_seconds:.1f} s (target < 60 s: "
                f"{'met' if csv_seconds < 60 else 'NOT met'})",
                file=out,
            )
        else:
            projected = csv_seconds / csv_rows * 10_000 if csv_rows else 0
            print(
                f"  10,000 CSV rows projected: {projected:.1f} s (target < 60 s; measure with "
                "--csv-rows 10000)",
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

"""What row-level security costs a list endpoint: the same requests, in one run, through the
application role (policies apply) and through the superuser (policies bypassed).

    .venv/bin/python benchmarks/rls.py [--requests 300] [--rounds 5]

Needs a PostgreSQL server (127.0.0.1:5432, superuser `postgres`; override with PG* variables).
It (re)creates its own database `cl_bench_rls` (BENCH_DATABASE), owned by causeloop_owner and
migrated by it, seeds 40 organizations of 250 members, 250 templates and 500 audit rows each,
then times `GET /api/v1/organizations/{slug}/members` (50 per page, with users) through the
whole Django stack (middleware, tenancy, DRF view, JSON). Rounds alternate the two roles so that
drift hits both alike; the medians are compared. Target: at most 10% slower with RLS.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from production_db import APP, SUPERUSER, recreate, url  # noqa: E402 - beside this script

DATABASE = os.environ.get("BENCH_DATABASE", "cl_bench_rls")

ORGS, MEMBERS, TEMPLATES, AUDIT_ROWS = 40, 250, 250, 500


os.environ.update(
    {
        "DATABASE_URL": url(DATABASE, APP),
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "benchmark-secret-key-" + "0123456789" * 4),
        "CAUSELOOP_MASTER_KEY": os.environ.get("CAUSELOOP_MASTER_KEY", "benchmark-master-key"),
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "ERROR",
        "DJANGO_SETTINGS_MODULE": "causeloop.settings",
    }
)


def seed() -> tuple[str, str]:
    """Bulk rows as the superuser (fast, bypasses RLS); returns (user id, organization slug)."""
    from django.utils import timezone

    from memberships.models import Membership, User
    from organizations.models import AuditLog, Organization, Template, Workspace
    from organizations.roles import Role

    now = timezone.now()
    for index in range(ORGS):
        org = Organization.objects.create(name=f"Bench {index}", slug=f"bench-{index}")
        workspace = Workspace.objects.create(organization=org, name=org.name, slug=org.slug)
        users = User.objects.bulk_create(
            [
                User(email=f"u{index}-{n}@bench.test", name=f"User {n}", password="!")
                for n in range(MEMBERS)
            ]
        )
        Membership.objects.bulk_create(
            [
                Membership(
                    user=user,
                    organization=org,
                    is_active=True,
                    role=Role.OWNER if n == 0 else Role.MEMBER,
                )
                for n, user in enumerate(users)
            ]
        )
        Template.objects.bulk_create(
            [
                Template(organization=org, name=f"Template {n}", body="x" * 200)
                for n in range(TEMPLATES)
            ]
        )
        AuditLog.objects.bulk_create(
            [
                AuditLog(
                    organization=org,
                    workspace=workspace,
                    actor_name="bench",
                    action="member.joined",
                    created_at=now,
                )
                for _ in range(AUDIT_ROWS)
            ]
        )
    owner = User.objects.get(email="u7-0@bench.test")
    return owner.pk, "bench-7"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="requests per round and role")
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()

    recreate(DATABASE)
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, connections
    from django.test import Client

    from memberships.models import User

    settings.ALLOWED_HOSTS = ["testserver"]

    def connect_as(role: tuple[str, str]) -> None:
        connections.close_all()
        connection.settings_dict["USER"], connection.settings_dict["PASSWORD"] = role

    connect_as((SUPERUSER, os.environ.get("PGPASSWORD", "")))
    user_id, slug = seed()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    client = Client()
    client.force_login(User.objects.get(pk=user_id))
    endpoint = f"/api/v1/organizations/{slug}/members"

    roles = {
        "with RLS (causeloop_app)": APP,
        "without RLS (superuser, bypasses)": (SUPERUSER, os.environ.get("PGPASSWORD", "")),
    }
    timings: dict[str, list[float]] = {name: [] for name in roles}
    for name, role in roles.items():  # warm up both, and check they answer alike
        connect_as(role)
        response = client.get(endpoint)
        assert response.status_code == 200, (name, response.status_code, response.content[:200])
        assert len(response.json()["results"]) == 50, name
    for _round in range(options.rounds):
        for name, role in roles.items():
            connect_as(role)
            client.get(endpoint)
            for _ in range(options.requests):
                start = time.perf_counter()
                client.get(endpoint)
                timings[name].append(time.perf_counter() - start)
    # The same list query alone, without the HTTP stack around it.
    query_timings: dict[str, list[float]] = {name: [] for name in roles}
    from django.db import transaction

    from causeloop.core.tenancy import enter_tenant
    from memberships.models import Membership

    for _round in range(options.rounds):
        for name, role in roles.items():
            connect_as(role)
            for _ in range(options.requests):
                with transaction.atomic():
                    org_id = _org_id(slug, user_id)
                    start = time.perf_counter()
                    enter_tenant(org_id)
                    list(
                        Membership.objects.filter(organization_id=org_id)
                        .select_related("user")
                        .order_by("joined_at", "id")[:50]
                    )
                    query_timings[name].append(time.perf_counter() - start)
    connections.close_all()

    report(endpoint, options, timings, query_timings)


def report(
    endpoint: str,
    options: argparse.Namespace,
    timings: dict[str, list[float]],
    query_timings: dict[str, list[float]],
) -> None:
    roles = list(timings)
    with_rls, without_rls = (statistics.median(values) for values in timings.values())
    print(
        f"GET {endpoint} — {ORGS} organizations × {MEMBERS} members, {TEMPLATES} templates, "
        f"{AUDIT_ROWS} audit rows; {options.rounds} × {options.requests} requests per role"
    )
    for name, values in timings.items():
        print(
            f"  {name:36} median {statistics.median(values) * 1000:7.3f} ms   "
            f"p95 {sorted(values)[int(len(values) * 0.95)] * 1000:7.3f} ms"
        )
    ratio = with_rls / without_rls
    print(f"  ratio with/without RLS: {ratio:.3f} ({(ratio - 1) * 100:+.1f}%; target ≤ +10%)")
    print("The list query alone (set the tenant + one page of 50 members with their users):")
    for name, values in query_timings.items():
        print(f"  {name:36} median {statistics.median(values) * 1000:7.3f} ms")
    query_ratio = statistics.median(query_timings[roles[0]]) / statistics.median(
        query_timings[roles[1]]
    )
    print(f"  ratio with/without RLS: {query_ratio:.3f} ({(query_ratio - 1) * 100:+.1f}%)")


def _org_id(slug: str, user_id: str) -> str:
    from causeloop.core.tenancy import enter_user
    from memberships.models import Membership

    enter_user(type("U", (), {"pk": user_id})())
    return (
        Membership.objects.filter(user_id=user_id, organization__slug=slug)
        .values_list("organization_id", flat=True)
        .get()
    )


if __name__ == "__main__":
    main()

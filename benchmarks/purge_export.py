"""A big tenant's data export and purge, as background work: the export's memory and time, the
purge's time and how long it makes writers wait, and the data page's cost.

    .venv/bin/python benchmarks/purge_export.py [--members 20000] [--audit-rows 300000]
                                                [--batch-size 10000] [--skip-purge]

Needs PostgreSQL (127.0.0.1:5432, superuser `postgres`; PG* variables override). It (re)creates
its own database `cl_bench_purge` (BENCH_DATABASE) laid out as in production (benchmarks/
production_db.py: the app runs as `causeloop_app`, row-level security on) and seeds, as the
superuser, organization `big` — `--members` members, 2,000 invitations, 500 API keys, 2,000
templates, `--audit-rows` audit rows and as many events — and organization `small` (10 members,
100 audit rows). Then:

(i)   the data page (`GET /admin/data/`) of `small` and `big`, through the whole Django stack:
      the median of 20 requests each;
(ii)  the export of `big`, run by the task itself in a child process as the application role:
      its peak resident memory (`ru_maxrss`) against the same process before the export, its
      time, its file's size;
(iii) the purge of `big` as the application role, while two writers commit in a loop, each
      write one short transaction: one in `big` (a request that passed the suspension check
      before it: its writes fail once the organization is gone, and must never make the purge
      fail), one in `small` with `lock_timeout = 1s`. Reported: the purge's time, the longest
      any write of each writer waited, and the other tenant's errors (target: none).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from production_db import APP, HOST, PORT, SUPERUSER, recreate, url  # noqa: E402 - beside this

DATABASE = os.environ.get("BENCH_DATABASE", "cl_bench_purge")
ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "benchmark-secret-key-" + "0123456789" * 4,
    "CAUSELOOP_MASTER_KEY": "benchmark-master-key",
    "SECURE_SSL_REDIRECT": "false",
    "ALLOWED_HOSTS": "testserver",
    "LOG_LEVEL": "ERROR",
    "EMAIL_URL": "dummymail://",
    "MEDIA_ROOT": "/tmp/cl_bench_purge_media",
    "DJANGO_SETTINGS_MODULE": "causeloop.settings",
    "DATABASE_URL": url(DATABASE, APP),
}
os.environ.update(ENV)

AUDIT_SQL = """
INSERT INTO organizations_auditlog (id, organization_id, actor_name, action, target_type,
    target_id, target_repr, details, created_at)
SELECT %(prefix)s || lpad(n::text, 26, '0'), %(org)s, 'person' || (n %% 1000) || '@big.test',
    (ARRAY['member.joined', 'member.invited', 'template.updated', 'api_key.created'])[1 + n %% 4],
    'membership', 'mem_' || n, 'person' || (n %% 1000) || '@big.test',
    jsonb_build_object('email', 'person' || (n %% 1000) || '@big.test', 'role', 'member'),
    now() - make_interval(secs => %(rows)s - n)
FROM generate_series(1, %(rows)s) AS n
"""
EVENTS_SQL = """
INSERT INTO organizations_event (id, organization_id, type, data, created_at, relayed)
SELECT 'evt_' || %(prefix)s || lpad(n::text, 22, '0'), %(org)s, 'member.joined',
    jsonb_build_object('n', n), now() - make_interval(secs => %(rows)s - n), true
FROM generate_series(1, %(rows)s) AS n
"""


def seed(members: int, audit_rows: int) -> dict[str, str]:
    """Both organizations, as the superuser (fast, past row-level security)."""
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from causeloop.core.crypto import keyed_hash
    from memberships.models import Invitation, Membership, User
    from organizations.models import ApiKey, Organization, Template, Workspace
    from organizations.roles import Role

    connection.settings_dict["USER"] = SUPERUSER
    connection.settings_dict["PASSWORD"] = os.environ.get("PGPASSWORD", "")
    now = timezone.now()
    made = {}
    for slug, people, rows in (("small", 10, 100), ("big", members, audit_rows)):
        org = Organization.objects.create(name=slug.title(), slug=slug, seats=members + 10)
        Workspace.objects.create(organization=org, name=org.name, slug=slug)
        users = User.objects.bulk_create(
            [User(email=f"u{n}@{slug}.test", name=f"U {n}", password="!") for n in range(people)],
            batch_size=5000,
        )
        Membership.objects.bulk_create(
            [
                Membership(
                    organization=org,
                    user=user,
                    role=Role.OWNER if n == 0 else Role.MEMBER,
                    is_active=True,
                    joined_at=now,
                )
                for n, user in enumerate(users)
            ],
            batch_size=5000,
        )
        if slug == "big":
            Invitation.objects.bulk_create(
                [
                    Invitation(
                        organization=org, email=f"i{n}@x.test", token_hash=keyed_hash(f"i{n}")
                    )
                    for n in range(2000)
                ]
            )
            ApiKey.objects.bulk_create(
                [
                    ApiKey(
                        organization=org, name=f"k{n}", key_hash=keyed_hash(f"k{n}"), last_four="x"
                    )
                    for n in range(500)
                ]
            )
            Template.objects.bulk_create(
                [Template(organization=org, name=f"T {n}", body="x" * 500) for n in range(2000)]
            )
        with connection.cursor() as cursor:
            params = {"org": org.pk, "rows": rows, "prefix": f"aud_{slug[0]}"}
            cursor.execute(AUDIT_SQL, params)
            cursor.execute(EVENTS_SQL, {**params, "prefix": slug[0]})
        made[slug] = org.pk
        made[f"{slug}_owner"] = users[0].pk
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    connection.close()
    return made


def data_page_ms(organization_owner: str) -> float:
    """The median time of `GET /admin/data/` for the owner, through the whole stack."""
    from django.test import Client

    from memberships.models import User

    client = Client()
    client.force_login(User.objects.get(pk=organization_owner))
    assert client.get("/admin/data/").status_code == 200
    timings = []
    for _ in range(20):
        start = time.perf_counter()
        client.get("/admin/data/")
        timings.append(time.perf_counter() - start)
    return statistics.median(timings) * 1000


CHILD = """
import resource, sys, time
import django
django.setup()
from django.db import transaction
from causeloop.core.tenancy import enter_tenant
from memberships.models import User
from onboarding.services.exports import data_export_request
from organizations.models import DataExport, Organization
from django.test import override_settings

org_id, owner_id = sys.argv[1], sys.argv[2]
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
with transaction.atomic():
    enter_tenant(org_id)
    organization = Organization.objects.get(pk=org_id)
    owner = User.objects.get(pk=owner_id)
with override_settings(TASKS={"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}):
    with transaction.atomic():
        enter_tenant(org_id)
        export = data_export_request(organization=organization, actor=owner)
from onboarding.services.exports import write_data_export
write_data_export.call(export.pk, org_id)
seconds = time.perf_counter() - start
with transaction.atomic():
    enter_tenant(org_id)
    export = DataExport.objects.get(pk=export.pk)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"{before} {after} {seconds:.1f} {export.size_bytes} {export.rows_written} {export.state}")
"""


def export_in_child(org_id: str, owner_id: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, org_id, owner_id],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
    )
    before, after, seconds, size, rows, state = done.stdout.split()
    print(
        f"(ii) export of big: {state}, {int(rows):,} rows, {int(size) / 1e6:.1f} MB file, "
        f"{float(seconds):.1f} s; peak RSS {int(after) / 1024:.0f} MB "
        f"(the process before: {int(before) / 1024:.0f} MB)"
    )


SET = "SELECT set_config(%s, %s, true)"
TOUCH = "UPDATE organizations_organization SET updated_at = now() WHERE id = %s"


class Writer(threading.Thread):
    """Commits one short write transaction after another in an organization, timing each."""

    def __init__(self, org_id: str, *, lock_timeout: str | None = None) -> None:
        super().__init__(daemon=True)
        self.org_id, self.lock_timeout = org_id, lock_timeout
        self.stop = threading.Event()
        self.waits: list[float] = []
        self.errors: list[str] = []

    def run(self) -> None:
        user, password = APP
        with psycopg.connect(
            host=HOST, port=PORT, dbname=DATABASE, user=user, password=password, autocommit=True
        ) as conn:
            n = 0
            while not self.stop.is_set():
                n += 1
                start = time.perf_counter()
                try:
                    with conn.transaction():
                        conn.execute(
                            "SELECT set_config('app.current_org', %s, true)", [self.org_id]
                        )
                        if self.lock_timeout:
                            conn.execute(
                                "SELECT set_config('lock_timeout', %s, true)", [self.lock_timeout]
                            )
                        conn.execute(
                            "INSERT INTO organizations_auditlog (id, organization_id, actor_name,"
                            " action, target_type, target_id, target_repr, details, created_at)"
                            " VALUES (%s, %s, 'writer', 'organization.updated', '', '', '',"
                            " '{}', now())",
                            [f"aud_w{threading.get_ident() % 1000}{n:020d}", self.org_id],
                        )
                        conn.execute(TOUCH, [self.org_id])
                except psycopg.Error as error:
                    self.errors.append(type(error).__name__)
                self.waits.append(time.perf_counter() - start)
                time.sleep(0.01)


def purge_big(org_id: str, small_id: str, batch_size: int) -> None:
    from django.db import transaction

    from causeloop.core.tenancy import enter_tenant
    from onboarding.purge import organization_purge
    from organizations.models import Organization

    with transaction.atomic():
        enter_tenant(org_id)
        organization = Organization.objects.get(pk=org_id)
    own, other = Writer(org_id), Writer(small_id, lock_timeout="1s")
    own.start()
    other.start()
    time.sleep(0.5)
    start = last = time.perf_counter()
    tables: dict[str, list[float]] = {}

    def batch_done(label: str, _count: int) -> None:
        nonlocal last
        now = time.perf_counter()
        tables.setdefault(label.split(".")[-1], []).append(now - last)
        last = now

    deleted = organization_purge(
        organization=organization, batch_size=batch_size, on_progress=batch_done
    )
    seconds = time.perf_counter() - start
    time.sleep(0.5)
    own.stop.set()
    other.stop.set()
    own.join()
    other.join()
    print(
        f"(iii) purge of big: {sum(deleted.values()):,} rows in {seconds:.1f} s "
        f"(batches of {batch_size:,}); "
        + ", ".join(f"{name} {count:,}" for name, count in sorted(deleted.items()) if count)
    )
    print(
        "  by table (seconds in all / of its slowest batch): "
        + ", ".join(
            f"{name} {sum(times):.1f}/{max(times):.2f}"
            for name, times in sorted(tables.items(), key=lambda item: -sum(item[1]))
        )
    )
    audit = tables.get("AuditLog", [0.0])
    print(
        "  audit batches, first three / last three (s): "
        + " ".join(f"{t:.2f}" for t in audit[:3])
        + " / "
        + " ".join(f"{t:.2f}" for t in audit[-3:])
    )
    print(
        f"  big's own writer: {len(own.waits)} writes, longest {max(own.waits) * 1000:.0f} ms, "
        f"median {statistics.median(own.waits) * 1000:.1f} ms; refused: "
        f"{len(own.errors)} ({', '.join(sorted(set(own.errors))) or 'none'})"
    )
    print(
        f"  small's writer (lock_timeout 1 s): {len(other.waits)} writes, longest "
        f"{max(other.waits) * 1000:.0f} ms, median {statistics.median(other.waits) * 1000:.1f} "
        f"ms; errors: {len(other.errors)} (target: none)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--audit-rows", type=int, default=300_000)
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--skip-purge", action="store_true")
    options = parser.parse_args()

    recreate(DATABASE, env={"DATABASE_URL": url(DATABASE, APP)})
    started = time.perf_counter()
    made = seed(options.members, options.audit_rows)
    print(
        f"seeded big ({options.members:,} members, {options.audit_rows:,} audit rows and events)"
        f" and small in {time.perf_counter() - started:.0f} s"
    )
    from django.db import connection

    connection.settings_dict["USER"], connection.settings_dict["PASSWORD"] = APP
    small_ms, big_ms = data_page_ms(made["small_owner"]), data_page_ms(made["big_owner"])
    print(f"(i) GET /admin/data/: small {small_ms:.1f} ms, big {big_ms:.1f} ms (median of 20)")
    export_in_child(made["big"], made["big_owner"])
    if not options.skip_purge:
        purge_big(made["big"], made["small"], options.batch_size)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"(this process's own peak RSS: {peak} MB)")


if __name__ == "__main__":
    main()

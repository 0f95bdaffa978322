"""The large tenant's background jobs, run by `scale.py` once it has measured the requests:
the data export (time, file size and the worker's peak memory) and the purge (time, and the
longest any writer waited meanwhile: the tenant's own, writing straight to the database as a
request that began before the suspension would, and another tenant's).

    DATABASE_URL=<the app role's URL> .venv/bin/python benchmarks/scale_jobs.py

Each job runs in a fresh process as the application role, as a worker would, so its peak
memory is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# A late write of the tenant's (or another tenant's), in that tenant's context.
WRITE = (
    "INSERT INTO organizations_template (id, name, kind, description, body, created_at, "
    "updated_at, organization_id) VALUES ('tpl_' || lpad(%s::text, 26, '0'), 'late', "
    "'prompt', '', '', now(), now(), %s)"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--job", choices=["export", "purge"], help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.job:
        import django

        django.setup()
        print("RESULT", json.dumps(export_job() if options.job == "export" else purge_job()))
        return
    found = {}
    for job in ("export", "purge"):
        done = subprocess.run(
            [sys.executable, __file__, "--job", job], check=True, stdout=subprocess.PIPE, text=True
        )
        found[job] = json.loads(done.stdout.rsplit("RESULT ", 1)[1])
    export, purge = found["export"], found["purge"]
    print(
        f"\nexport of acme: {export['rows']:,} rows in {export['seconds']:.1f} s, a "
        f"{export['bytes'] / 1e6:.0f} MB file; the worker's peak memory {export['peak_mb']:.0f} MB "
        f"({export['base_mb']:.0f} MB before it began; target ≤ 200 MB)"
    )
    print(
        f"purge of acme: {purge['rows']:,} rows in {purge['seconds']:.1f} s; its own writer's "
        f"longest wait {purge['own_longest_ms']:.0f} ms (target < 10 s; {purge['own_refused']} "
        f"of {purge['own_writes']} late writes refused on the writer's side); another tenant's "
        f"longest write {purge['other_longest_ms']:.0f} ms (median "
        f"{purge['other_median_ms']:.1f} ms over {purge['other_writes']} writes, "
        f"{purge['other_failed']} failed)"
    )


def _peak_megabytes() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def _acme() -> tuple[Any, Any]:
    """Alice and her organization, `acme`."""
    from causeloop.core.tenancy import platform_lookup
    from memberships.models import User
    from organizations.models import Organization

    with platform_lookup():
        return User.objects.get(email="alice@acme.test"), Organization.objects.get(slug="acme")


def export_job() -> dict[str, float]:
    from django.db import transaction
    from onboarding.services.exports import data_export_request

    from causeloop.core.tenancy import enter_tenant
    from organizations.models import DataExport

    alice, organization = _acme()
    base = _peak_megabytes()
    start = time.perf_counter()
    export = data_export_request(organization=organization, actor=alice)  # written right away
    seconds = time.perf_counter() - start
    with transaction.atomic():
        enter_tenant(organization)
        export = DataExport.objects.get(pk=export.pk)
    assert export.state == DataExport.State.READY, (export.state, export.error)
    return {
        "rows": export.rows_written,
        "seconds": seconds,
        "bytes": export.size_bytes,
        "base_mb": base,
        "peak_mb": _peak_megabytes(),
    }


class Writer(threading.Thread):
    """Writes a row into one organization every 20 ms on its own connection until stopped,
    timing each write; a write the database refuses (its organization gone) is counted."""

    def __init__(self, organization_id: str, first: int) -> None:
        super().__init__(daemon=True)
        self.organization_id, self.next_id = organization_id, first
        self.timings: list[float] = []
        self.refused = 0
        self.stop = threading.Event()

    def run(self) -> None:
        import psycopg

        with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as connection:
            while not self.stop.is_set():
                start = time.perf_counter()
                try:
                    with connection.transaction():
                        connection.execute(
                            "SELECT set_config('app.current_org', %s, true)",
                            [self.organization_id],
                        )
                        connection.execute(WRITE, [self.next_id, self.organization_id])
                except psycopg.Error:
                    self.refused += 1
                self.timings.append(time.perf_counter() - start)
                self.next_id += 1
                time.sleep(0.02)


def purge_job() -> dict[str, float]:
    from onboarding.purge import organization_purge

    from causeloop.core.tenancy import platform_lookup
    from organizations.models import Organization

    _alice, organization = _acme()
    with platform_lookup():
        other = Organization.objects.get(slug="other-0")
    own, theirs = Writer(organization.pk, 10**12), Writer(other.pk, 2 * 10**12)
    own.start()
    theirs.start()
    time.sleep(0.5)
    start = time.perf_counter()
    deleted = organization_purge(organization=organization)
    seconds = time.perf_counter() - start
    time.sleep(0.5)
    for writer in (own, theirs):
        writer.stop.set()
        writer.join()
    return {
        "rows": sum(deleted.values()),
        "seconds": seconds,
        "own_longest_ms": max(own.timings) * 1000,
        "own_writes": len(own.timings),
        "own_refused": own.refused,
        "other_longest_ms": max(theirs.timings) * 1000,
        "other_median_ms": statistics.median(theirs.timings) * 1000,
        "other_writes": len(theirs.timings),
        "other_failed": theirs.refused,
    }


if __name__ == "__main__":
    main()

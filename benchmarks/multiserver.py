"""Two app servers on one database under a mixed load: no errors, no lost or duplicated writes.

    .venv/bin/python benchmarks/multiserver.py [--clients 16] [--ops 40] [--database NAME]
                                                [--pooled]

Creates a fresh database (owned by causeloop_owner, migrated by it; default `cl_bench_multi`),
starts two gunicorn processes on two loopback ports, both connecting as the application role
`causeloop_app` (row-level security on), and runs a loopback load generator: each client thread
signs in as a platform operator on one server, and with that one session (the servers share
their sessions) alternates between the two servers with

- reads  (60%): the organization list of the platform admin;
- writes (30%): onboarding a client with a slug of its own (acknowledged by a redirect);
- contended writes (10%): onboarding one of a few shared slugs with the same owner, which
  every client sends to both servers at once (idempotent: one organization per slug).

Afterwards it counts in the database, as the superuser: every acknowledged write is there
exactly once (organization, workspace, owner membership and `workspace.created` audit row), and
each contended slug is one organization with one owner. Exit status 0 only if there were no
errors and every count matches. The servers are stopped and the database dropped at the end
(unless --keep).

With --pooled the servers go through PgBouncer in transaction pooling mode, with the cache, the
rate-limit counters and the sessions in Redis (benchmarks/pooling.py): N app processes as
production runs them. Migrations and the demo data still go to PostgreSQL directly.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import psycopg
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pooling  # beside this script

ROOT = Path(__file__).resolve().parents[1]
HOST = os.environ.get("PGHOST", "127.0.0.1")
PORT = os.environ.get("PGPORT", "5432")
SUPERUSER = os.environ.get("PGSUPERUSER", "postgres")
APP = ("causeloop_app", os.environ.get("CAUSELOOP_DB_APP_PASSWORD", "causeloop_app"))
OWNER = ("causeloop_owner", os.environ.get("CAUSELOOP_DB_OWNER_PASSWORD", "causeloop_owner"))
OPERATOR = ("operator@causeloop.test", "causeloop-demo")  # made by `manage.py seed_demo`
ONBOARD = "/platform-admin/organizations/organization/onboard/"
CHANGELIST = "/platform-admin/organizations/organization/"


def db_url(role: tuple[str, str], database: str) -> str:
    return f"postgres://{role[0]}:{role[1]}@{HOST}:{PORT}/{database}"


def superuser(database: str) -> psycopg.Connection:
    return psycopg.connect(
        host=HOST,
        port=PORT,
        user=SUPERUSER,
        dbname=database,
        password=os.environ.get("PGPASSWORD"),
        autocommit=True,
    )


def server_env(database: str, *, pooled: bool = False) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": db_url(APP, database),
        **(pooling.app_env(database=database, role=APP) if pooled else {}),
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "multiserver-secret-key-" + "0123456789" * 4),
        "CAUSELOOP_MASTER_KEY": os.environ.get("CAUSELOOP_MASTER_KEY", "multiserver-master-key"),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "LOG_LEVEL": "WARNING",
        # Sign-in throttles are per process and per IP; the load comes from one loopback IP.
        "CAUSELOOP_ZEAL": "false",
    }


def drop(database: str) -> None:
    """Drop `database` (PgBouncer's server connections to it too) and its keys in Redis."""
    with superuser("postgres") as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    pooling.forget(database)


def prepare(database: str) -> None:
    env = {**os.environ, "PGHOST": HOST, "PGPORT": PORT}
    drop(database)
    subprocess.run(
        ["bash", str(ROOT / ".ci" / "db-roles.sh"), database],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=ROOT,
        check=True,
        env={**server_env(database), "DATABASE_URL": db_url(OWNER, database)},
    )
    subprocess.run(
        [sys.executable, "manage.py", "seed_demo"],
        cwd=ROOT,
        check=True,
        env=server_env(database),
        stdout=subprocess.DEVNULL,
    )


def start_servers(
    database: str, ports: list[int], workers: int, *, pooled: bool = False
) -> list[subprocess.Popen]:
    if pooled:
        pooling.start()
    servers = []
    for port in ports:
        servers.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "causeloop.wsgi",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    str(workers),
                    "--threads",
                    "4",
                    "--timeout",
                    "60",
                    # Longer than any pause of a client between two requests: an idle
                    # keep-alive connection closed by the server just as the client reuses it
                    # is a reset the client sees, not a fault of the application.
                    "--keep-alive",
                    "120",
                    "--log-level",
                    "warning",
                ],
                cwd=ROOT,
                env=server_env(database, pooled=pooled),
                start_new_session=True,
            )
        )
    deadline = time.monotonic() + 180  # a loaded two-core machine starts Django slowly
    try:
        for port in ports:
            _wait_until_up(port, deadline)
    except BaseException:
        stop_servers(servers)
        raise
    return servers


def _answers(port: int) -> bool:
    try:
        url = f"http://127.0.0.1:{port}/platform-admin/login/"
        return requests.get(url, timeout=20).status_code == 200
    except requests.RequestException:
        return False


def _wait_until_up(port: int, deadline: float) -> None:
    while not _answers(port):
        if time.monotonic() > deadline:
            raise SystemExit(f"the server on port {port} did not come up")
        time.sleep(0.3)


def stop_servers(servers: list[subprocess.Popen]) -> None:
    for server in servers:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
    for server in servers:
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def csrf_token(session: requests.Session, url: str) -> str:
    response = session.get(url, timeout=30)
    response.raise_for_status()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text)
    if not match:
        raise RuntimeError(f"no CSRF token at {url}")
    return match.group(1)


def sign_in(base: str) -> requests.Session:
    session = requests.Session()
    token = csrf_token(session, f"{base}/platform-admin/login/")
    response = session.post(
        f"{base}/platform-admin/login/",
        allow_redirects=False,
        timeout=30,
        data={
            "username": OPERATOR[0],
            "password": OPERATOR[1],
            "csrfmiddlewaretoken": token,
            "next": "/platform-admin/",
        },
    )
    if response.status_code != 302:
        raise RuntimeError(f"sign-in failed with {response.status_code}")
    return session


class Load:
    def __init__(self, bases: list[str], clients: int, ops: int, contended: int) -> None:
        self.bases, self.clients, self.ops = bases, clients, ops
        self.contended_slugs = [f"contended-{n}" for n in range(contended)]
        self.acknowledged: list[str] = []
        self.errors: list[str] = []
        self.done = Counter()
        self.lock = threading.Lock()
        self.latencies: list[float] = []

    def record(self, kind: str, ok: bool, detail: str, started: float) -> None:
        with self.lock:
            self.latencies.append(time.perf_counter() - started)
            self.done[kind] += 1
            if not ok:
                self.errors.append(f"{kind}: {detail}")

    def onboard(self, session: requests.Session, base: str, slug: str, email: str) -> str:
        token = csrf_token(session, f"{base}{ONBOARD}")
        response = session.post(
            f"{base}{ONBOARD}",
            allow_redirects=False,
            timeout=60,
            data={
                "org_name": slug.replace("-", " ").title(),
                "org_slug": slug,
                "owner_email": email,
                "plan": "free",
                "timezone": "UTC",
                "csrfmiddlewaretoken": token,
            },
        )
        if response.status_code != 302 or "/change/" not in response.headers.get("Location", ""):
            return f"{response.status_code} {response.text[:200]!r}"
        return ""

    def client(self, number: int, start: threading.Barrier) -> None:
        try:
            session = sign_in(self.bases[number % len(self.bases)])
            start.wait(timeout=300)
        except (RuntimeError, requests.RequestException, threading.BrokenBarrierError) as error:
            start.abort()
            with self.lock:
                self.errors.append(f"client {number} could not start: {error!r}")
            return
        rng = random.Random(number)
        for op in range(self.ops):
            base = self.bases[(number + op) % len(self.bases)]
            roll = rng.random()
            started = time.perf_counter()
            try:
                if roll < 0.6:
                    # Not signed in there: a redirect to the login page, an error.
                    response = session.get(f"{base}{CHANGELIST}", timeout=60, allow_redirects=False)
                    self.record(
                        "read", response.status_code == 200, str(response.status_code), started
                    )
                elif roll < 0.9:
                    slug = f"load-{number}-{op}"
                    problem = self.onboard(session, base, slug, f"owner-{slug}@load.test")
                    if not problem:
                        with self.lock:
                            self.acknowledged.append(slug)
                    self.record("write", not problem, problem, started)
                else:
                    slug = rng.choice(self.contended_slugs)
                    problem = self.onboard(session, base, slug, f"owner@{slug}.test")
                    self.record("contended write", not problem, problem, started)
            except requests.RequestException as error:
                self.record("request", False, repr(error), started)

    def run(self) -> float:
        start = threading.Barrier(self.clients)
        threads = [
            threading.Thread(target=self.client, args=(n, start)) for n in range(self.clients)
        ]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.perf_counter() - began


def verify(database: str, load: Load) -> list[str]:
    """Every acknowledged write exactly once; one organization per contended slug."""
    problems = []
    with superuser(database) as db:
        rows = db.execute(
            "SELECT o.slug, (SELECT count(*) FROM organizations_workspace w "
            "  WHERE w.organization_id = o.id), "
            "(SELECT count(*) FROM memberships_membership m WHERE m.organization_id = o.id), "
            "(SELECT count(*) FROM organizations_auditlog a WHERE a.organization_id = o.id "
            "  AND a.action = 'workspace.created') "
            "FROM organizations_organization o WHERE o.slug LIKE 'load-%%' "
            "OR o.slug LIKE 'contended-%%'"
        ).fetchall()
        stored = {slug: counts for slug, *counts in rows}
        for slug in load.acknowledged:
            if slug not in stored:
                problems.append(f"lost write: {slug}")
        for slug, counts in stored.items():
            if counts != [1, 1, 1]:
                problems.append(f"{slug}: workspace/membership/audit counts {counts}")
        unacknowledged = {s for s in stored if s.startswith("load-")} - set(load.acknowledged)
        problems += [f"written but not acknowledged: {slug}" for slug in unacknowledged]
        owners = db.execute(
            "SELECT email, count(*) FROM memberships_user WHERE email LIKE '%%load.test' "
            "OR email LIKE 'owner@contended-%%' GROUP BY email HAVING count(*) > 1"
        ).fetchall()
        problems += [f"duplicated user {email}" for email, _ in owners]
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--ops", type=int, default=40, help="operations per client")
    parser.add_argument("--contended", type=int, default=3, help="shared slugs")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--ports", default="18301,18302")
    parser.add_argument("--database", default="cl_bench_multi")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--pooled", action="store_true", help="through PgBouncer, with Redis")
    options = parser.parse_args()

    ports = [int(port) for port in options.ports.split(",")]
    prepare(options.database)
    servers = start_servers(options.database, ports, options.workers, pooled=options.pooled)
    try:
        load = Load(
            [f"http://127.0.0.1:{port}" for port in ports],
            options.clients,
            options.ops,
            options.contended,
        )
        elapsed = load.run()
    finally:
        stop_servers(servers)
    problems = verify(options.database, load)
    if not options.keep:
        drop(options.database)

    total = sum(load.done.values())
    latencies = sorted(load.latencies)
    print(
        f"two servers (ports {options.ports}, {options.workers} workers each"
        f"{', through PgBouncer and Redis' if options.pooled else ''}) × "
        f"{options.clients} clients × {options.ops} operations in {elapsed:.1f} s "
        f"({total / elapsed:.0f} req/s; median {latencies[len(latencies) // 2] * 1000:.0f} ms, "
        f"p95 {latencies[int(len(latencies) * 0.95)] * 1000:.0f} ms)"
    )
    print("  operations: " + ", ".join(f"{kind} {count}" for kind, count in load.done.items()))
    print(
        f"  acknowledged writes {len(load.acknowledged)}; errors {len(load.errors)}; "
        f"count mismatches {len(problems)}"
    )
    for line in (load.errors + problems)[:20]:
        print("  !", line)
    return 1 if load.errors or problems else 0


if __name__ == "__main__":
    sys.exit(main())

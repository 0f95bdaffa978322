"""What authentication costs: requests per second for `GET /api/v1/me` with an organization API
key and with a personal token, against a public endpoint of the same size, in one run.

    .venv/bin/python benchmarks/api.py [--seconds 10] [--connections 8] [--workers 2]

Needs a PostgreSQL server (127.0.0.1:5432, superuser `postgres`; override with PG* variables) and
`wrk` (Debian's package: `apt-get install wrk`; the script installs it when it can). It
(re)creates its own database `cl_bench_api` (BENCH_DATABASE) laid out as in production (tables
owned by causeloop_owner, the app connecting as causeloop_app with row-level security on), seeds
an organization with an API key, an owner with a personal token and a pending invitation, and
serves the app with gunicorn on a loopback port. wrk then drives, in turn and twice each:

- `GET /api/v1/me` with `Authorization: Bearer <API key>`;
- `GET /api/v1/me` with `Authorization: Bearer <personal token>`;
- `GET /api/v1/invitations/<token>`: public, one indexed lookup by keyed hash, a small body.

It prints requests per second (the better of two rounds each), and each authenticated figure
over the public one. Target: authenticated ≥ 0.8× unauthenticated.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from production_db import APP, OWNER, recreate, url  # noqa: E402 - beside this script

DATABASE = os.environ.get("BENCH_DATABASE", "cl_bench_api")

ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "benchmark-secret-key-" + "0123456789" * 4,
    "CAUSELOOP_MASTER_KEY": "benchmark-master-key",
    "SECURE_SSL_REDIRECT": "false",
    "ALLOWED_HOSTS": "127.0.0.1",
    "LOG_LEVEL": "ERROR",
    "DJANGO_SETTINGS_MODULE": "causeloop.settings",
    # Generous limits: this measures authentication, not the throttles.
    "THROTTLE_ACCEPT": "100000000/min",
}


SEED = """
from causeloop.core.tenancy import enter_platform
from memberships.services.invitations import invitation_create
from memberships.services.tokens import personal_token_create
from onboarding.services.onboard import OnboardRequest, onboard_with_api_key
from memberships.models import User

enter_platform()
result, api_key = onboard_with_api_key(
    request=OnboardRequest(
        org_name="Bench Corp", org_slug="bench", owner_email="owner@bench.test", plan="growth"
    )
)
owner = User.objects.get(pk=result.user_id)
_token, personal = personal_token_create(user=owner, name="bench")
from organizations.models import Organization
invitation, invite = invitation_create(
    organization=Organization.objects.get(pk=result.org_id), actor=owner,
    email="invitee@bench.test", role="member",
)
print(api_key, personal, invite)
"""


def seed(database: str = DATABASE) -> tuple[str, str, str]:
    """Seed `database`: the API key, personal token and invitation token of organization `bench`."""
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SEED],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        env={
            **os.environ,
            **ENV,
            "DATABASE_URL": url(database, OWNER),
            "EMAIL_URL": "dummymail://",
        },
    )
    api_key, personal, invite = done.stdout.split()[-3:]
    return api_key, personal, invite


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(
    port: int, workers: int, database: str = DATABASE, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """gunicorn on `port` as the application role (`env` overrides: another way to the
    database)."""
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "causeloop.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            **ENV,
            "DATABASE_URL": url(database, APP),
            "EMAIL_URL": "dummymail://",
            **(env or {}),
        },
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/me", timeout=1)
        except urllib.error.HTTPError:
            return server  # 401: it answers
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, capture_output=True)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is needed: apt-get install wrk")
    return found


def rate(
    wrk: str,
    target: str,
    seconds: int,
    connections: int,
    header: str | None,
    script: str | None = None,
) -> float:
    """Requests per second wrk gets from `target` (a GET, or what the Lua `script` makes of
    it); any non-2xx/3xx answer stops the benchmark."""
    command = [wrk, "-t", "2", "-c", str(connections), "-d", f"{seconds}s", target]
    if header:
        command[1:1] = ["-H", header]
    if script:
        command[1:1] = ["-s", script]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise SystemExit(f"{target}: {errors.group(1)} failed responses\n{output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    wrk = ensure_wrk()
    recreate(DATABASE, ENV)
    api_key, personal, invite = seed()
    port = free_port()
    server = serve(port, args.workers)
    base = f"http://127.0.0.1:{port}/api/v1"
    cases = {
        "GET /me, organization API key": (f"{base}/me", f"Authorization: Bearer {api_key}"),
        "GET /me, personal token": (f"{base}/me", f"Authorization: Bearer {personal}"),
        "GET /invitations/<token>, public": (f"{base}/invitations/{invite}", None),
    }
    try:
        for target, header in cases.values():  # warm up every worker and connection
            rate(wrk, target, 2, args.connections, header)
        best = {name: 0.0 for name in cases}
        for _round in range(2):
            for name, (target, header) in cases.items():
                best[name] = max(
                    best[name], rate(wrk, target, args.seconds, args.connections, header)
                )
    finally:
        server.terminate()
        server.wait(timeout=10)

    public = best["GET /invitations/<token>, public"]
    print(
        f"API throughput (gunicorn, {args.workers} workers; wrk, {args.connections} "
        f"connections, {args.seconds} s x 2 rounds, best)"
    )
    for name, value in best.items():
        print(f"  {name:<36} {value:8.1f} req/s")
    for name in list(best)[:2]:
        ratio = best[name] / public
        verdict = "met" if ratio >= 0.8 else "NOT met"
        print(f"  {name} / public: {ratio:.2f}x  (target >= 0.80x: {verdict})")


if __name__ == "__main__":
    main()

"""Cost follows the page, not the tenant: the same requests at a small and a large size.

    .venv/bin/python benchmarks/scale.py [--requests 20] [--rounds 3] [--scale 1.0]

Builds two databases laid out as in production (tables owned by `causeloop_owner`, the app as
`causeloop_app`, row-level security on), both by bulk SQL in one run:

- SMALL: 10 organizations of 10 members; `acme` with 10 invitations, keys and templates and
  100 audit rows; its owner Alice belongs to all 10.
- LARGE: 20,000 organizations; `acme` with 20,000 members, 2,000 pending invitations, 500 API
  keys, 2,000 templates and 1,000,000 audit rows; Alice belongs to 500 organizations.

Each request runs through the whole Django stack (middleware, tenancy, views, templates, JSON)
as Alice (the platform list as a staff user); the table prints medians of `rounds × requests`,
the bytes of the answer and the LARGE/SMALL ratio (targets: ≤ 2× and ≤ 200 kB per page).
`--scale 0.1` builds a tenth of LARGE, for a quick look. Then the background export and purge
of the large `acme` (`benchmarks/scale_jobs.py`): the export's peak memory, and how long the
purge blocks the tenant's own writers and another tenant's.

Needs PostgreSQL (127.0.0.1:5432, superuser `postgres`; override with PG* variables).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from production_db import APP, SUPERUSER, recreate, url  # noqa: E402 - beside this script

SIZES = {
    "small": {"orgs": 10, "members": 10, "invitations": 10, "keys": 10, "templates": 10,
              "audit": 100, "alice_orgs": 10},
    "large": {"orgs": 20_000, "members": 20_000, "invitations": 2_000, "keys": 500,
              "templates": 2_000, "audit": 1_000_000, "alice_orgs": 500},
}  # fmt: skip
PASSWORD = "scale-benchmark-password"
ENV = {
    "DEBUG": "false",
    "SECRET_KEY": os.environ.get("SECRET_KEY", "benchmark-secret-key-" + "0123456789" * 4),
    "CAUSELOOP_MASTER_KEY": os.environ.get("CAUSELOOP_MASTER_KEY", "benchmark-master-key"),
    "SECURE_SSL_REDIRECT": "false",
    "LOG_LEVEL": "ERROR",
    "DJANGO_SETTINGS_MODULE": "causeloop.settings",
    "TASKS_BACKEND": "immediate",
}


def database(size: str) -> str:
    return f"cl_bench_scale_{size}"


def superuser() -> tuple[str, str]:
    return (SUPERUSER, os.environ.get("PGPASSWORD", ""))


def child(*args: str, size: str, role: tuple[str, str]) -> str:
    """Run this script's `args` step in a fresh process on `size`'s database as `role`."""
    env = {
        **os.environ,
        **ENV,
        "DATABASE_URL": url(database(size), role),
        "SCALE_SUPERUSER_URL": url(database(size), superuser()),
    }
    done = subprocess.run(
        [sys.executable, __file__, *args, "--size", size],
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20, help="requests per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--scale", type=float, default=1.0, help="a fraction of LARGE")
    parser.add_argument("--step", choices=["seed", "measure"], help=argparse.SUPPRESS)
    parser.add_argument("--size", choices=list(SIZES), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.step:
        import django

        django.setup()
        import scale_steps

        counts = sized(options.size, options.scale)
        if options.step == "seed":
            scale_steps.seed(counts, password=PASSWORD)
        else:
            print(
                "RESULT", json.dumps(scale_steps.measure(counts, options.requests, options.rounds))
            )
        return

    results = {}
    for size in SIZES:
        counts = sized(size, options.scale)
        print(f"building {size.upper()}: {counts}", file=sys.stderr, flush=True)
        recreate(database(size), ENV)
        common = ("--scale", str(options.scale))
        child("--step", "seed", *common, size=size, role=superuser())
        print(f"measuring {size.upper()}", file=sys.stderr, flush=True)
        printed = child(
                "--step", "measure", *common, "--requests", str(options.requests),
                "--rounds", str(options.rounds), size=size, role=APP,
        )  # fmt: skip
        results[size] = json.loads(printed.rsplit("RESULT ", 1)[1])
    report(results, options)
    jobs = [sys.executable, str(ROOT / "benchmarks" / "scale_jobs.py")]
    env = {**os.environ, **ENV, "DATABASE_URL": url(database("large"), APP)}
    subprocess.run(jobs, env=env, check=True)


def sized(size: str, scale: float) -> dict[str, int]:
    """The counts of `size`; LARGE's times `scale` (SMALL's as they are)."""
    if size == "small":
        return SIZES[size]
    return {name: max(10, round(value * scale)) for name, value in SIZES[size].items()}


def report(results: dict[str, dict[str, list[float]]], options: argparse.Namespace) -> None:
    large = sized("large", options.scale)
    print(
        f"\nSMALL = 10 organizations × 10 members; LARGE = {large['orgs']:,} organizations, "
        f"acme with {large['members']:,} members, {large['invitations']:,} invitations, "
        f"{large['keys']:,} keys, {large['templates']:,} templates, {large['audit']:,} audit "
        f"rows, Alice in {large['alice_orgs']:,} organizations. Medians of "
        f"{options.rounds} × {options.requests} requests, whole Django stack, app role (RLS)."
    )
    print("\n| request | SMALL | LARGE | × |\n|---|---|---|---|")
    worst = 0.0
    for name, (small_ms, small_bytes) in results["small"].items():
        large_ms, large_bytes = results["large"][name]
        ratio = large_ms / small_ms
        worst = max(worst, ratio)
        print(
            f"| {name} | {small_ms:.1f} ms, {small_bytes / 1000:.0f} kB "
            f"| {large_ms:.1f} ms, {large_bytes / 1000:.0f} kB | {ratio:.2f} |"
        )
    biggest = max(size for _ms, size in results["large"].values())
    print(
        f"\nworst ratio {worst:.2f} (target ≤ 2); largest answer at LARGE "
        f"{biggest / 1000:.0f} kB (target ≤ 200 kB)"
    )


if __name__ == "__main__":
    main()

"""What PgBouncer costs the API: the request mix of benchmarks/api.py against gunicorn connected
to PostgreSQL directly and through PgBouncer in transaction pooling mode, in one run.

    .venv/bin/python benchmarks/pooled.py [--seconds 3] [--rounds 5] [--connections 8] [--workers 2]

Needs what benchmarks/api.py needs (PostgreSQL, `wrk`), and starts PgBouncer (127.0.0.1:6432)
with .ci/pgbouncer.sh when nothing answers there. It (re)creates its own database
`cl_bench_pooled` (BENCH_DATABASE) laid out as in production, seeds it as api.py does, and serves
the app twice at once with the same number of workers, both as the application role: one
connected directly, one through PgBouncer (`DATABASE_POOL_MODE=transaction`: no prepared
statements). Same cache for both (the database's): this measures the pooler alone. wrk drives
each request of the mix against each server in turn, for a few rounds, keeping the best of each
(on a shared machine, another process's load only ever slows a round down):

- `GET /api/v1/me` with an organization API key, then with a personal token;
- `GET /api/v1/invitations/<token>`: public.

It prints requests per second for each, direct and pooled, each ratio, and the ratio over the
mix (geometric mean). Target: pooled >= 0.9x direct.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pooling  # beside this script
from api import ensure_wrk, free_port, rate, seed, serve
from production_db import APP, recreate

DATABASE = os.environ.get("BENCH_DATABASE", "cl_bench_pooled")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    wrk = ensure_wrk()
    pooling.start()
    recreate(DATABASE)
    api_key, personal, invite = seed(DATABASE)
    pooled_env = pooling.app_env(database=DATABASE, role=APP, redis=False)
    ports = {"direct": free_port(), "pooled": free_port()}
    servers = [
        serve(ports["direct"], args.workers, DATABASE),
        serve(ports["pooled"], args.workers, DATABASE, env=pooled_env),
    ]
    cases = {
        "GET /me, organization API key": ("/me", f"Authorization: Bearer {api_key}"),
        "GET /me, personal token": ("/me", f"Authorization: Bearer {personal}"),
        "GET /invitations/<token>, public": (f"/invitations/{invite}", None),
    }
    best = {(way, name): 0.0 for way in ports for name in cases}
    try:
        for port in ports.values():  # warm up every worker and connection
            for path, header in cases.values():
                rate(wrk, f"http://127.0.0.1:{port}/api/v1{path}", 2, args.connections, header)
        for _round in range(args.rounds):
            for name, (path, header) in cases.items():
                for way, port in ports.items():
                    target = f"http://127.0.0.1:{port}/api/v1{path}"
                    measured = rate(wrk, target, args.seconds, args.connections, header)
                    best[way, name] = max(best[way, name], measured)
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)

    print(
        f"API throughput, direct vs through PgBouncer (gunicorn, {args.workers} workers each; "
        f"wrk, {args.connections} connections, {args.seconds} s x {args.rounds} rounds, best)"
    )
    ratios = []
    for name in cases:
        direct, pooled = best["direct", name], best["pooled", name]
        ratios.append(pooled / direct)
        print(
            f"  {name:<34} direct {direct:7.1f}  pooled {pooled:7.1f} req/s"
            f"  ({pooled / direct:.2f}x)"
        )
    overall = math.prod(ratios) ** (1 / len(ratios))
    verdict = "met" if overall >= 0.9 else "NOT met"
    print(f"  pooled / direct over the mix: {overall:.2f}x  (target >= 0.90x: {verdict})")


if __name__ == "__main__":
    main()

"""What PgBouncer costs the API: the request mix of benchmarks/api.py against gunicorn connected
to PostgreSQL directly and through PgBouncer in transaction pooling mode, side by side.

    .venv/bin/python benchmarks/pooled.py [--seconds 3] [--rounds 5] [--connections 8] [--workers 2]

Needs what benchmarks/api.py needs (PostgreSQL, `wrk`), and starts PgBouncer (127.0.0.1:6432)
with .ci/pgbouncer.sh when nothing answers there. It (re)creates its own database
`cl_bench_pooled` (BENCH_DATABASE) laid out as in production, seeds it as api.py does, and serves
the app twice with the same number of workers, both as the application role: one connected
directly, one through PgBouncer (`DATABASE_POOL_MODE=transaction`: no prepared statements).
Same cache for both (the database's): this measures the pooler alone. For each request of the
mix, each round drives both servers at the same moment (one wrk each), so whatever else loads
the machine weighs on both alike; a round's ratio is pooled over direct, and the median round
is kept:

- `GET /api/v1/me` with an organization API key, then with a personal token;
- `GET /api/v1/invitations/<token>`: public.

It prints the median requests per second of each, direct and pooled, each median ratio, and the
ratio over the mix (their geometric mean). Target: pooled >= 0.9x direct.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
from concurrent.futures import ThreadPoolExecutor
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
    direct_port, pooled_port = free_port(), free_port()
    servers = [
        serve(direct_port, args.workers, DATABASE),
        serve(
            pooled_port,
            args.workers,
            DATABASE,
            env=pooling.app_env(database=DATABASE, role=APP, redis=False),
        ),
    ]
    cases = {
        "GET /me, organization API key": ("/me", f"Authorization: Bearer {api_key}"),
        "GET /me, personal token": ("/me", f"Authorization: Bearer {personal}"),
        "GET /invitations/<token>, public": (f"/invitations/{invite}", None),
    }
    rounds: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}

    def both(path: str, header: str | None, seconds: int) -> tuple[float, float]:
        """Requests per second of the direct and the pooled server, driven at once."""
        targets = [f"http://127.0.0.1:{port}/api/v1{path}" for port in (direct_port, pooled_port)]
        with ThreadPoolExecutor(max_workers=2) as pool:
            direct, pooled = pool.map(
                lambda target: rate(wrk, target, seconds, args.connections, header), targets
            )
        return direct, pooled

    try:
        for path, header in cases.values():  # warm up every worker and connection
            both(path, header, 2)
        for _round in range(args.rounds):
            for name, (path, header) in cases.items():
                rounds[name].append(both(path, header, args.seconds))
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)

    print(
        f"API throughput, direct vs through PgBouncer, side by side (gunicorn, {args.workers} "
        f"workers each; wrk, {args.connections} connections each, {args.seconds} s x "
        f"{args.rounds} rounds, medians)"
    )
    ratios = []
    for name, measured in rounds.items():
        direct = statistics.median(d for d, _ in measured)
        pooled = statistics.median(p for _, p in measured)
        ratio = statistics.median(p / d for d, p in measured)
        ratios.append(ratio)
        print(f"  {name:<34} direct {direct:7.1f}  pooled {pooled:7.1f} req/s  ({ratio:.2f}x)")
    overall = math.prod(ratios) ** (1 / len(ratios))
    verdict = "met" if overall >= 0.9 else "NOT met"
    print(f"  pooled / direct over the mix: {overall:.2f}x  (target >= 0.90x: {verdict})")


if __name__ == "__main__":
    main()

"""Part (c) of benchmarks/webhooks.py: where a worker's time goes, delivery by delivery.

In the benchmark's process, django-tasks-db's worker (the loop `manage.py db_worker` runs) works
through queued deliveries in batch mode, on the same database and receiver, with each step
timed and every statement counted. One worker, no other load of ours: what it shows is the cost
of one delivery, not the throughput of several workers.
"""

from __future__ import annotations

import importlib
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

# (owner, attribute, label): the steps of one delivery, in the order they happen.
STEPS = [
    (
        "django_tasks_db.models.DBTaskResultQuerySet",
        "get_locked",
        "task: pick (SELECT … SKIP LOCKED)",
    ),
    ("django_tasks_db.models.DBTaskResult", "claim", "task: mark running (UPDATE, commit)"),
    ("webhooks.attempts", "_claim", "deliveries: lease (SELECT FOR UPDATE, UPDATE, commit)"),
    ("webhooks.attempts", "target", "address check"),
    ("webhooks.attempts", "secrets_in_use", "secrets decrypted"),
    ("webhooks.attempts", "signature_header", "signing"),
    ("webhooks.attempts", "post", "HTTP POST"),
    ("webhooks.attempts", "_record", "deliveries: record (UPDATEs, commit)"),
    ("django_tasks_db.models.DBTaskResult", "set_successful", "task: mark done (UPDATE, commit)"),
]


def _owner(path: str) -> Any:
    """A module, or a class in one."""
    from django.utils.module_loading import import_string

    try:
        return importlib.import_module(path)
    except ImportError:
        return import_string(path)


@contextmanager
def timed_steps(spent: Counter[str]) -> Iterator[None]:
    """Add the time spent in each of STEPS to `spent` while the block runs."""
    originals = []
    for path, name, label in STEPS:
        owner = _owner(path)
        original = getattr(owner, name)
        originals.append((owner, name, original))

        def wrapper(*args: Any, _original: Any = original, _label: str = label, **kwargs: Any):
            began = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                spent[_label] += time.perf_counter() - began

        setattr(owner, name, wrapper)
    try:
        yield
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)


def statement_kind(sql: str) -> str:
    """`VERB table` of a statement (the tenancy context's `set_config` named as such, and a
    statement sent for many rows at once marked with how many)."""
    many = re.match(r"(\d+) times: (.*)", sql, re.DOTALL)
    if many:
        return f"{statement_kind(many.group(2))} (×{many.group(1)} in one round trip)"
    verb = sql.split(None, 1)[0].upper()
    if "set_config(" in sql:
        return "SELECT set_config (the platform context)"
    if verb == "SELECT" and "FOR UPDATE" in sql:
        verb = "SELECT … FOR UPDATE"
    table = re.search(r'(?:FROM|UPDATE|INTO)\s+"([^"]+)"', sql)
    return f"{verb} {table.group(1) if table else ''}".strip()


def profile(organization: Any, count: int, emit: Callable[[Any, int], Any]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django_tasks_db.management.commands.db_worker import Worker

    from webhooks.scheduler import run_once

    def worker() -> Worker:
        return Worker(
            queue_names=["default"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="profile",
            excluded_queue_names=[],
        )

    emit(organization, 10)
    run_once()
    worker().run()  # warm up
    emit(organization, count)
    began = time.perf_counter()
    with CaptureQueriesContext(connection) as relayed:
        run_once()
    relay_seconds = time.perf_counter() - began
    spent: Counter[str] = Counter()
    began, cpu_began = time.perf_counter(), time.process_time()
    with CaptureQueriesContext(connection) as captured, timed_steps(spent):
        worker().run()
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu_began

    statements = [query["sql"] for query in captured.captured_queries]
    kinds = Counter(map(statement_kind, statements))
    tasks = kinds["SELECT … FOR UPDATE django_tasks_database_dbtaskresult"] - 1  # the last: none
    print(
        f"(c) one worker in this process, {count:,} deliveries queued by one scheduler round "
        f"({tasks} tasks)"
    )
    print(
        f"     scheduler round: {relay_seconds * 1000:.0f} ms, "
        f"{len(relayed.captured_queries)} statements"
    )
    print(
        f"     worker: {seconds / count * 1000:.2f} ms per delivery ({count / seconds:.0f}/s), "
        f"{cpu / count * 1000:.2f} ms of it on this process's CPU; "
        f"{len(statements) / count:.2f} statements per delivery, per task:"
    )
    for kind, number in sorted(kinds.items()):
        print(f"       {number / max(tasks, 1):5.2f}  {kind}")
    print("     time per delivery, by step:")
    for _path, _name, label in STEPS:
        print(f"       {spent[label] / count * 1000:6.2f} ms  {label}")
    rest = seconds - sum(spent.values())
    print(f"       {rest / count * 1000:6.2f} ms  the rest (the worker's loop, the ORM, logging)")

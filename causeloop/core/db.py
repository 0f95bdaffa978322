"""Database helpers the ORM does not offer."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models


def insert_together(
    *instances: models.Model,
    then: tuple[str, list[Any]] | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> None:
    """Insert new, related model instances in one statement (one round trip) on PostgreSQL.

    Provisioning writes seven rows per client; sent one by one, the round trips cost more than
    the work. PostgreSQL runs the inserts of one statement as data-modifying CTEs and checks
    foreign keys at its end, so parents and children may come in any order. Primary keys must
    be set already (public IDs are made in Python) or be database-generated and not needed back.
    `save()` is not called: no model signals are sent (none are connected to these models).
    `then`, a last statement (SQL and its parameters, e.g. an upsert of a counter), joins the
    same round trip. Elsewhere (SQLite) each instance is saved in turn, in the order given, and
    `then` runs after them.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        for instance in instances:
            instance.save(force_insert=True, using=using)
        if then is not None:
            with connection.cursor() as cursor:
                cursor.execute(*then)
        return
    quote = connection.ops.quote_name
    statements: list[str] = []
    params: list[Any] = []
    for instance in instances:
        meta = instance._meta
        fields = [
            field
            for field in meta.concrete_fields
            if not (field.primary_key and getattr(instance, field.attname) is None)
        ]
        columns = ", ".join(quote(field.column or field.attname) for field in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        # Names come from the models' metadata, values travel as parameters.
        statements.append(
            f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
        )
        params.extend(
            field.get_db_prep_save(field.pre_save(instance, add=True), connection)
            for field in fields
        )
    if then is not None:
        statements.append(then[0])
        params.extend(then[1])
    *leading, last = statements
    ctes = ", ".join(f"i{index} AS ({statement})" for index, statement in enumerate(leading))
    sql = f"WITH {ctes} {last}" if leading else last
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    for instance in instances:
        instance._state.adding = False
        instance._state.db = using


def transaction_lock(name: str, *, wait: bool = True) -> bool:
    """Take a PostgreSQL advisory lock named `name` until the current transaction ends: with
    `wait`, block until it is free; without, answer False at once if another transaction holds
    it. Outside a transaction, or on SQLite (one writer at a time anyway), there is nothing to
    take and the answer is True."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        return True
    lock_id = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
    function = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s)::text", [lock_id])
        (answer,) = cursor.fetchone()
    return answer != "false"


def update_each(instances: list[models.Model], fields: list[str]) -> None:
    """Save `fields` of each instance, one `UPDATE … WHERE pk = …` per row sent in a single
    round trip (the driver's `executemany`). For a batch whose rows differ, this is what
    `bulk_update` does without compiling a `CASE` per field and row, which costs more than
    running the statements."""
    if not instances:
        return
    meta = type(instances[0])._meta
    pk = meta.pk
    assert pk is not None  # every model has one
    connection = connections[DEFAULT_DB_ALIAS]
    quote = connection.ops.quote_name
    columns = [field for field in meta.concrete_fields if field.name in fields]
    assignments = ", ".join(f"{quote(str(field.column))} = %s" for field in columns)
    table, key = quote(meta.db_table), quote(str(pk.column))
    sql = f"UPDATE {table} SET {assignments} WHERE {key} = %s"  # noqa: S608 - model names
    rows = [
        [field.get_db_prep_save(getattr(row, field.attname), connection) for field in columns]
        + [pk.get_db_prep_value(row.pk, connection)]
        for row in instances
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)

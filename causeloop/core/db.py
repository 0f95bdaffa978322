"""Database helpers the ORM does not offer."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.utils import timezone


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


def insert_rows(
    model: type[models.Model],
    columns: Mapping[str, Sequence[Any]],
    *,
    same: Mapping[str, Any] | None = None,
    skip_conflicts: bool = False,
    using: str = DEFAULT_DB_ALIAS,
) -> list[Any]:
    """Insert many rows of `model` in one statement on PostgreSQL; returns the primary keys of
    the rows written.

    `columns` holds each varying field's values (by attname: `organization_id`), one per row,
    as the database takes them (JSON fields take Python values); `same` the values every row
    shares. Every other field takes its default (`auto_now` fields: now), evaluated once for
    the statement, so primary keys made in Python must be given. With `skip_conflicts`, a row
    that would break a unique constraint is left out (`ON CONFLICT DO NOTHING`) and its key is
    missing from the answer. The values travel as one array per column (`unnest`): the
    statement is the same for any number of rows.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        raise NotImplementedError("insert_rows needs PostgreSQL")
    meta = model._meta
    fields = {field.attname: field for field in meta.concrete_fields}
    pk = meta.pk
    assert pk is not None  # every model has one
    fixed = dict(same or {})
    for attname, field in fields.items():
        if attname in columns or attname in fixed:
            continue
        if field.primary_key:
            if field.has_default():
                raise ValueError(f"give the primary keys of the {meta.label} rows")
            continue  # made by the database
        auto = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        fixed[attname] = timezone.now() if auto else field.get_default()
    varying = list(columns)
    lengths = {len(values) for values in columns.values()}
    if len(lengths) > 1:
        raise ValueError(f"the {meta.label} columns differ in length: {sorted(lengths)}")

    def db_type(attname: str) -> str:
        return str(fields[attname].db_type(connection))

    def prepared(attname: str, values: Sequence[Any]) -> Sequence[Any]:
        field = fields[attname]
        if field.get_internal_type() != "JSONField":
            return values
        return [field.get_db_prep_save(value, connection) for value in values]

    quote = connection.ops.quote_name
    names = ", ".join(quote(str(fields[attname].column)) for attname in (*varying, *fixed))
    aliases = [f"c{index}" for index in range(len(varying))]
    select = [f"u.{alias}" for alias in aliases] + [f"%s::{db_type(a)}" for a in fixed]
    # With server-side binding the arrays travel in binary (`%b`): no quoting of each value.
    binary = connection.settings_dict.get("OPTIONS", {}).get("server_side_binding") is True
    placeholder = "%b" if binary else "%s"
    arrays = ", ".join(f"{placeholder}::{db_type(attname)}[]" for attname in varying)
    conflict = " ON CONFLICT DO NOTHING" if skip_conflicts else ""
    # Names and types come from the models' metadata; every value travels as a parameter.
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({names}) SELECT {', '.join(select)} "  # noqa: S608
        f"FROM unnest({arrays}) AS u({', '.join(aliases)}){conflict} "
        f"RETURNING {quote(str(pk.column))}"
    )
    params = [
        *(fields[a].get_db_prep_save(value, connection) for a, value in fixed.items()),
        *(list(prepared(attname, columns[attname])) for attname in varying),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


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

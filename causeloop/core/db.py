"""Database helpers the ORM does not offer."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import date, time
from decimal import Decimal
from functools import cache
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

    Each row travels as one JSON parameter (`jsonb_populate_record`), so the statement's text
    and its handful of parameters are the same on every call: the driver parses it once and the
    server prepares it once, which for a statement of seventy values costs more than the rest.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        for instance in instances:
            instance.save(force_insert=True, using=using)
        if then is not None:
            with connection.cursor() as cursor:
                cursor.execute(*then)
        return
    statements: list[str] = []
    params: list[Any] = []
    for instance in instances:
        model = type(instance)
        pk = model._meta.pk
        generated_pk = pk is not None and getattr(instance, pk.attname) is None
        scalars, documents, statement = _insert_statement(model, generated_pk=generated_pk)
        statements.append(statement)
        params.append(_row_json(instance, scalars, documents))
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


def _row_json(
    instance: models.Model,
    scalars: list[tuple[Any, str]],
    documents: list[tuple[Any, str, Callable[[Any], str]]],
) -> str:
    """The instance's row as one JSON object: its scalars encoded at once, each JSON field as
    that field encodes it."""

    def value(field: Any) -> Any:
        return field.get_prep_value(field.pre_save(instance, True))

    row = _JSON.encode({column: value(field) for field, column in scalars})
    if not documents:
        return row
    encoded = [
        f"{_JSON.encode(column)}: {encode(value(field))}" for field, column, encode in documents
    ]
    return row[:-1] + ("" if row == "{}" else ", ") + ", ".join(encoded) + "}"


def _scalar(value: object) -> str:
    """A value JSON has no type for, as PostgreSQL reads it from text."""
    if isinstance(value, (date, time)):  # datetime too: ISO 8601 with its offset
        return value.isoformat()
    if isinstance(value, (Decimal, uuid.UUID)):
        return str(value)
    raise TypeError(f"{type(value).__name__} cannot travel to PostgreSQL as JSON")


_JSON = json.JSONEncoder(default=_scalar, ensure_ascii=False)


@cache
def _insert_statement(
    model: type[models.Model], *, generated_pk: bool
) -> tuple[list[tuple[Any, str]], list[tuple[Any, str, Callable[[Any], str]]], str]:
    """The statement that inserts one row of `model` from a JSON parameter, and the fields it
    writes: scalars, and JSON fields with the encoder of each."""
    quote = connections[DEFAULT_DB_ALIAS].ops.quote_name
    scalars: list[tuple[Any, str]] = []
    documents: list[tuple[Any, str, Callable[[Any], str]]] = []
    for field in model._meta.concrete_fields:
        if field.primary_key and generated_pk:
            continue
        column = str(field.column or field.attname)
        if isinstance(field, models.JSONField):
            documents.append((field, column, (field.encoder or json.JSONEncoder)().encode))
        else:
            scalars.append((field, column))
    table = quote(model._meta.db_table)
    names = [column for _field, column in scalars] + [column for _f, column, _e in documents]
    columns = ", ".join(quote(name) for name in names)
    # Names come from the models' metadata, values travel as parameters.
    statement = (
        f"INSERT INTO {table} ({columns}) SELECT {columns} "  # noqa: S608
        f"FROM jsonb_populate_record(NULL::{table}, %s::jsonb)"
    )
    return scalars, documents, statement


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
    missing from the answer. The rows travel as one JSON array of arrays, which costs the
    driver one encoding whatever the binding, and the statement is the same for any number of
    rows.
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
    lengths = {len(values) for values in columns.values()}
    if len(lengths) > 1:
        raise ValueError(f"the {meta.label} columns differ in length: {sorted(lengths)}")

    def db_type(attname: str) -> str:
        return str(fields[attname].db_type(connection))

    def cells(attname: str) -> Sequence[Any]:
        field = fields[attname]
        if not isinstance(field, models.JSONField):
            return columns[attname]
        # A JSON field's values, encoded as the field encodes them, travel as text.
        encode = (field.encoder or json.JSONEncoder)().encode
        return [encode(value) for value in columns[attname]]

    quote = connection.ops.quote_name
    varying = list(columns)
    names = ", ".join(quote(str(fields[attname].column)) for attname in (*varying, *fixed))
    select = [f"(r->>{index})::{db_type(a)}" for index, a in enumerate(varying)]
    select += [f"%s::{db_type(attname)}" for attname in fixed]
    conflict = " ON CONFLICT DO NOTHING" if skip_conflicts else ""
    # Names and types come from the models' metadata; every value travels as a parameter.
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({names}) SELECT {', '.join(select)} "  # noqa: S608
        f"FROM jsonb_array_elements(%s::jsonb) AS r{conflict} RETURNING {quote(str(pk.column))}"
    )
    rows = _JSON.encode(list(zip(*(cells(attname) for attname in varying), strict=True)))
    params = [
        *(fields[a].get_db_prep_save(value, connection) for a, value in fixed.items()),
        rows,
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


def plan_each_run(*, connection: Any, **_kwargs: Any) -> None:
    """On a new PostgreSQL connection that is ours for its lifetime, have every run of a
    prepared statement planned for its own parameters (`plan_cache_mode = force_custom_plan`).

    After five runs of a prepared statement PostgreSQL may switch to a generic plan, costed for
    parameters it does not know — an average tenant — and keep it for every tenant. A big
    tenant's audit log filtered by action took 360 ms that way, 2.5 ms planned for it (a million
    audit rows among 20,000 organizations). Preparing still spares the parse. Through a
    transaction pooler nothing is prepared (settings.py), and a session setting would pass to
    other clients with the server connection: nothing is set there.
    (Connected to `connection_created` by `CauseloopConfig.ready`; through the driver, so
    query-count assertions do not see it.)"""
    if (
        connection.vendor != "postgresql"
        or connection.settings_dict.get("POOL_MODE") == "transaction"
    ):
        return
    connection.connection.execute("SET plan_cache_mode = force_custom_plan")

"""Purging an organization: everything beneath it deleted, user rows kept, its files gone — at any
size, in the background, whatever the tenant does meanwhile.

1. Begin (`organization_purge_begin`): the organization is suspended and marked as being purged
   (`purge_started_at`), committed before any row goes. Every write path refuses a suspended
   tenant from then on, and the database keeps the mark once set (`causeloop.core.dbsecurity`),
   which is what lets its audit rows leave before the organization does.
2. Batches: table by table, children before parents, at most `BATCH_SIZE` rows per statement,
   each batch its own short transaction in the tenant's context. The tenant's own writers wait
   at most one batch for a row lock; other tenants never wait (nothing of theirs is locked but
   the memberships of the purged members that become active elsewhere, for a moment).
3. The final pass, one transaction: the organization row locked `FOR UPDATE` first. A write that
   began before the suspension and commits now checks its foreign key to the organization at
   commit, so it waits for the lock and then fails on its side once the row is gone; rows such
   writes committed earlier are seen and deleted here; then the organization itself.

A batch that loses a race with such a writer (a row added beneath the rows it deletes, found
when its foreign keys are checked at commit) sweeps the tables done before and tries again, and
the final pass retries the rare deadlock with one: the purge never fails because the tenant
wrote during it. Run in one transaction instead (a test, the
immediate task backend inside a request), the same statements simply run as savepoints.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import suppress
from functools import cache, partial
from graphlib import TopologicalSorter

import structlog
from django.apps import apps
from django.core.files.storage import default_storage
from django.db import IntegrityError, OperationalError, connection, models, transaction
from django.db.models import Exists, OuterRef, Q
from django.tasks import task
from django.utils import timezone

from causeloop.core.errors import NotFound
from causeloop.core.tenancy import enter_tenant, platform_lookup
from memberships.models import Membership
from organizations.audit_rewrites import purge_audit_rows
from organizations.models import AuditLog, DataExport, Organization
from organizations.services.branding import discard_logo_on_commit

logger = structlog.get_logger(__name__)

BATCH_SIZE = 10_000
FINAL_ATTEMPTS = 5  # a final pass that deadlocked with a late writer is tried again

# Called after each batch: the model's label and how many of its rows that batch deleted.
type Progress = Callable[[str, int], None]


def organization_purge_begin(*, organization: Organization) -> Organization:
    """Suspend the organization and mark it as being purged (for good), unless it is already;
    `NotFound` if it is gone. The caller commits it before the rows go (or enqueues the purge
    in the same transaction)."""
    with transaction.atomic():
        enter_tenant(organization)
        locked = Organization.objects.select_for_update().filter(pk=organization.pk).first()
        if locked is None:
            raise NotFound("Organization not found.")
        if locked.purge_started_at is None:
            now = timezone.now()
            locked.status = Organization.Status.SUSPENDED
            locked.suspended_at = locked.suspended_at or now
            locked.purge_started_at = now
            locked.save(update_fields=["status", "suspended_at", "purge_started_at", "updated_at"])
            logger.info("organization.purge_started", org_id=locked.pk, slug=locked.slug)
    organization.status, organization.suspended_at = locked.status, locked.suspended_at
    organization.purge_started_at = locked.purge_started_at
    return locked


def organization_purge_queue(*, organization: Organization) -> Organization:
    """Begin the purge and leave the rest to a background task (queued in the caller's
    transaction, so a worker starts once the suspension is committed)."""
    organization = organization_purge_begin(organization=organization)
    purge_organization.enqueue(organization.pk)
    return organization


@task()
def purge_organization(organization_id: str) -> dict[str, int]:
    """The background purge of an organization whose purge began (nothing if it is gone)."""
    with transaction.atomic():
        enter_tenant(organization_id)
        organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return {}
    return organization_purge(organization=organization)


def organization_purge(
    *,
    organization: Organization,
    batch_size: int = BATCH_SIZE,
    on_progress: Progress | None = None,
) -> dict[str, int]:
    """Delete the organization and everything beneath it; user rows stay (they may belong
    elsewhere), and members whose active organization this was get their next one activated.
    Begins the purge if nobody did. Returns how many rows left, by model name."""
    organization_purge_begin(organization=organization)
    org_id = organization.pk
    report = on_progress or (lambda _label, _count: None)
    deleted: dict[str, int] = {}
    order = purge_order()
    for index, model in enumerate(order):
        deleted[model._meta.object_name or ""] = _in_batches(
            partial(_delete_rows, model, org_id),
            model._meta.label,
            org_id,
            batch_size,
            report,
            sweep=partial(_sweep, order[:index], org_id, batch_size),
        )
    deleted["AuditLog"] = _in_batches(
        partial(_purge_audit_rows, org_id), AuditLog._meta.label, org_id, batch_size, report
    )
    _final_pass(org_id, deleted)
    logger.info("organization.purged", org_id=org_id, slug=organization.slug)
    return deleted


def purge_row_counts(organization: Organization) -> dict[str, int]:
    """How many rows a purge of the organization deletes now, by model label (for progress)."""
    counts = {}
    tables: list[type[models.Model]] = [*purge_order(), AuditLog]
    with transaction.atomic():
        enter_tenant(organization)
        for model in tables:
            rows = model._base_manager.filter(**{_organization_column(model): organization.pk})
            counts[model._meta.label] = rows.order_by().count()
    return counts


@cache
def purge_order() -> list[type[models.Model]]:
    """Every model whose rows hang beneath an organization (a foreign key to it), each before
    the models it references: a batch never leaves a row pointing at a deleted one. The audit
    trail and the organization itself come last, in their own way."""
    beneath = [
        model
        for model in apps.get_models()
        if model not in (Organization, AuditLog) and _organization_field(model) is not None
    ]
    # Each model waits for the models that reference it (their rows go first).
    graph: dict[type[models.Model], set[type[models.Model]]] = {model: set() for model in beneath}
    for model in beneath:
        for field in model._meta.concrete_fields:
            target = field.related_model if field.is_relation else None
            if target in graph and target is not model:
                graph[target].add(model)
    return list(TopologicalSorter(graph).static_order())


def _organization_field(model: type[models.Model]) -> models.Field | None:
    for field in model._meta.concrete_fields:
        if field.is_relation and field.related_model is Organization:
            return field
    return None


def _organization_column(model: type[models.Model]) -> str:
    field = _organization_field(model)
    assert field is not None
    return field.attname


def _in_batches(
    delete: Callable[[int], int],
    label: str,
    org_id: str,
    batch_size: int,
    report: Progress,
    *,
    sweep: Callable[[], None] | None = None,
) -> int:
    """Run `delete(batch_size)` in its own transaction until it deletes fewer rows than that.
    A batch that loses a race with a late writer (a row added beneath the ones it deletes,
    found at commit) gets those rows swept first (`sweep`: the tables done before) and is tried
    again; after a few tries its table is left to the final pass."""
    total = failures = 0
    while True:
        try:
            with transaction.atomic():
                enter_tenant(org_id)
                count = delete(batch_size)
        except (IntegrityError, OperationalError) as error:
            failures += 1
            logger.warning("organization.purge_batch_retried", table=label, error=str(error))
            if failures >= FINAL_ATTEMPTS:
                return total  # the final pass gets the rest
            time.sleep(0.05 * failures)
            if sweep is not None:
                sweep()
            continue
        total += count
        if count:
            report(label, count)
        if count < batch_size:
            return total


def _sweep(models_before: list[type[models.Model]], org_id: str, batch_size: int) -> None:
    """Delete, in batches and in order, what late writers added to tables already done (best
    effort: what is left goes in the final pass)."""
    for model in models_before:
        with suppress(IntegrityError, OperationalError):
            while True:
                with transaction.atomic():
                    enter_tenant(org_id)
                    if _delete_rows(model, org_id, batch_size) < batch_size:
                        break


def _final_pass(org_id: str, deleted: dict[str, int]) -> None:
    """Lock the organization row, delete what late writers left, then the organization."""
    for attempt in range(1, FINAL_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                enter_tenant(org_id)
                logo = (
                    Organization.objects.select_for_update()
                    .filter(pk=org_id)
                    .values_list("logo", flat=True)
                    .first()
                )
                if logo is None:
                    return  # another run of the purge finished it
                for model in purge_order():
                    name = model._meta.object_name or ""
                    deleted[name] = deleted.get(name, 0) + _delete_rows(model, org_id)
                deleted["AuditLog"] += _purge_audit_rows(org_id)
                sql, params = _delete_sql(Organization, "id", org_id)
                with connection.cursor() as cursor:
                    cursor.execute(sql, params)
                deleted["Organization"] = 1
                discard_logo_on_commit(logo)  # no files outlive the tenant
        except (IntegrityError, OperationalError) as error:
            if attempt == FINAL_ATTEMPTS:
                raise
            logger.warning("organization.purge_final_retried", org_id=org_id, error=str(error))
            time.sleep(0.1 * attempt)
        else:
            return


def _purge_audit_rows(org_id: str, limit: int | None = None) -> int:
    return purge_audit_rows(organization_id=org_id, limit=limit)


def _delete_rows(model: type[models.Model], org_id: str, limit: int | None = None) -> int:
    """Delete up to `limit` (None: all) of the organization's rows of `model`, with what must
    go with them: files named by export rows, the active membership of the people removed."""
    column = _organization_column(model)
    if model is DataExport:
        files = _delete_returning(model, column, org_id, "file_name", limit=limit)
        for (name,) in files:
            if name:
                transaction.on_commit(partial(default_storage.delete, name), robust=True)
        return len(files)
    if model is Membership:
        gone = _delete_returning(model, column, org_id, "user_id, is_active", limit=limit)
        _activate_next([user_id for user_id, was_active in gone if was_active])
        return len(gone)
    _unlink_self_references(model, column, org_id)
    sql, params = _delete_sql(model, column, org_id, limit=limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _delete_returning(
    model: type[models.Model], column: str, value: str, returning: str, *, limit: int | None
) -> list[tuple]:
    with connection.cursor() as cursor:
        sql, params = _delete_sql(model, column, value, limit=limit)
        cursor.execute(f"{sql} RETURNING {returning}", params)
        return cursor.fetchall()


def _delete_sql(
    model: type[models.Model], column: str, value: str, *, limit: int | None = None
) -> tuple[str, list[str | int]]:
    """`DELETE … WHERE column = value`, at most `limit` rows: one set-based statement."""
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column or "id")
    chosen = f"SELECT {pk} FROM {table} WHERE {quote(column)} = %s"  # noqa: S608
    params: list[str | int] = [value]
    if limit is not None:
        chosen += " LIMIT %s"
        params.append(limit)
    return f"DELETE FROM {table} WHERE {pk} IN ({chosen})", params  # noqa: S608


def _unlink_self_references(model: type[models.Model], column: str, org_id: str) -> None:
    """Clear a row's link to another row of the same table (an API key rotated from another):
    a batch may delete the one and keep the other."""
    for field in model._meta.concrete_fields:
        if field.is_relation and field.related_model is model and field.null:
            link = field.attname or field.name
            model._base_manager.filter(**{column: org_id, f"{link}__isnull": False}).update(
                **{link: None}
            )


def _activate_next(user_ids: list[str]) -> None:
    """The people whose active organization was purged: their earliest remaining membership
    becomes active (as `membership_activate_next` does for one), in one statement. A person
    who switched meanwhile keeps their choice; anyone missed is activated on their next visit."""
    if not user_ids:
        return
    earlier = Membership.objects.filter(user_id=OuterRef("user_id")).filter(
        Q(joined_at__lt=OuterRef("joined_at"))
        | Q(joined_at=OuterRef("joined_at"), pk__lt=OuterRef("pk"))
    )
    active = Membership.objects.filter(user_id=OuterRef("user_id"), is_active=True)
    with platform_lookup():  # their memberships in every organization
        try:
            with transaction.atomic():
                Membership.objects.filter(user_id__in=user_ids).exclude(Exists(earlier)).exclude(
                    Exists(active)
                ).update(is_active=True)
        except IntegrityError:
            pass  # someone switched at this very moment: their own choice stands

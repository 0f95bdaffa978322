"""The only two ways audit rows ever change (SPEC §8): forgetting a person (erasure), and
leaving with their organization (purge).

On PostgreSQL the application role holds no UPDATE or DELETE on audit rows at all; both go
through functions owned by the owner role (`causeloop_audit_forget`, `causeloop_audit_purge`,
created by `causeloop.core.dbsecurity.apply_audit_guard`), which act only within the caller's tenant
context. On SQLite, which has no such functions, the same rules run here in Python.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection, models

from causeloop.core.dbsecurity import ERASED
from organizations.models import AppendOnlyError, AuditLog, Organization


def forget_person(*, organization_id: str | None, email: str, ids: Iterable[str]) -> int:
    """Forget a person in the audit rows of one organization (None: of every organization, a
    platform action): rows they acted in lose the reference to them, and their name and email
    (as actor, as target, as any detail) become "erased user". `ids` are the person's user,
    membership and invitation IDs. Returns how many rows changed."""
    ids = sorted({value for value in ids if value})
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT causeloop_audit_forget(%s::text, %s::text, %s::text[])",
                [organization_id, email, ids],
            )
            return int(cursor.fetchone()[0])
    return _forget_in_python(organization_id=organization_id, email=email, ids=ids)


def purge_audit_rows(*, organization_id: str, limit: int | None = None) -> int:
    """Delete the audit rows of an organization that is gone or being purged, at most `limit`
    of them (None: all). Returns how many left."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT causeloop_audit_purge(%s::text, %s::integer)", [organization_id, limit]
            )
            return int(cursor.fetchone()[0])
    if Organization.objects.filter(pk=organization_id, purge_started_at__isnull=True).exists():
        raise AppendOnlyError("audit rows leave only with their organization: purge it first")
    rows = AuditLog.objects.filter(organization_id=organization_id)
    if limit is not None:
        rows = AuditLog.objects.filter(pk__in=list(rows.values_list("pk", flat=True)[:limit]))
    deleted, _per_model = models.QuerySet.delete(rows)
    return deleted


def _forget_in_python(*, organization_id: str | None, email: str, ids: Iterable[str]) -> int:
    """`causeloop_audit_forget` for databases without it: the same rows, the same changes."""
    email = email.strip().lower()
    ids = set(ids)
    rows = AuditLog.objects.all()
    if organization_id is not None:
        rows = rows.filter(organization_id=organization_id)
    candidates = rows.filter(
        models.Q(actor_user_id__in=ids)
        | models.Q(target_id__in=ids)
        | models.Q(actor_name__iexact=email)
        | models.Q(target_repr__iexact=email)
        | models.Q(details__icontains=email)
    ).only("id", "actor_user_id", "actor_name", "target_id", "target_repr", "details")
    changed = 0
    for row in candidates.iterator():
        changes = _forgotten(row, email=email, ids=ids)
        if changes:
            changed += models.QuerySet.update(AuditLog.objects.filter(pk=row.pk), **changes)
    return changed


def _forgotten(row: AuditLog, *, email: str, ids: set[str]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if row.actor_user_id in ids:
        changes.update(actor_user=None, actor_name=ERASED)
    elif row.actor_name.lower() == email:
        changes["actor_name"] = ERASED
    if row.target_id in ids or row.target_repr.lower() == email:
        changes["target_repr"] = ERASED
    if isinstance(row.details, dict):
        details = {
            key: ERASED if isinstance(value, str) and value.lower() == email else value
            for key, value in row.details.items()
        }
        if details != row.details:
            changes["details"] = details
    return changes

"""Stored secrets sealed again under the current master key, one column at a time, in batches
(`manage.py rotate_master_key`; README, "Rotating the master key")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.fernet import InvalidToken
from django.db.models import Model

from causeloop.core.crypto import reseal
from causeloop.core.tenancy import platform_work


@dataclass
class Resealed:
    """What `reseal_column` found: values sealed again, values already under the current key,
    and values no configured key opens (left as they are)."""

    column: str
    resealed: int = 0
    current: int = 0
    unreadable: int = 0


def reseal_column(model: type[Model], field: str, *, batch_size: int = 500) -> Resealed:
    """Seal every value of `model.field` again under the current master key, `batch_size` rows
    per short transaction (rows locked while they change, so a concurrent write is never
    overwritten), in the platform context. Safe to run again: values already under the current
    key are left alone."""
    counts = Resealed(column=f"{model._meta.label}.{field}")
    manager: Any = model._default_manager
    after: Any = None
    while True:
        with platform_work():
            rows = manager.select_for_update().exclude(**{f"{field}__isnull": True})
            if after is not None:
                rows = rows.filter(pk__gt=after)
            batch = list(rows.order_by("pk").only("pk", field)[:batch_size])
            changed = []
            for row in batch:
                try:
                    sealed = reseal(bytes(getattr(row, field)))
                except InvalidToken:
                    counts.unreadable += 1
                    continue
                if sealed is None:
                    counts.current += 1
                else:
                    setattr(row, field, sealed)
                    changed.append(row)
            if changed:
                manager.bulk_update(changed, [field])
            counts.resealed += len(changed)
        if len(batch) < batch_size:
            return counts
        after = batch[-1].pk

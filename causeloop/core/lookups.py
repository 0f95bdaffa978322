"""`iexact` that PostgreSQL answers from an index.

Django compiles `field__iexact=value` to `UPPER(field::text) = UPPER(value)` on PostgreSQL,
which no index here covers: the case-insensitive unique indexes are on `lower(…)` (users'
email, organizations' slug, pending invitations' email). Registered on text fields once
(`CauseloopConfig.ready`), the lookup compiles to `LOWER(field) = LOWER(value)` instead, so
every `email__iexact` — ours, Django's `get_by_natural_key`, the admin's `=field` searches —
finds a user by the unique index rather than by reading the table. Other databases keep
Django's SQL.

On a table under row-level security the index still cannot serve it: PostgreSQL applies a
query's own conditions before the policy's only when they are LEAKPROOF, and `lower()` is not
(`col = value` is). Tenant tables keep a lower-case column for such lookups instead
(`memberships.Invitation.email_lower`).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.lookups import BuiltinLookup, IExact


class LowerIExact(IExact):
    """Case-insensitive equality as `LOWER(lhs) = LOWER(rhs)` on PostgreSQL."""

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        # Lookup's own process_lhs: BuiltinLookup's would wrap the column in UPPER().
        lhs, lhs_params = super(BuiltinLookup, self).process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"LOWER({lhs}) = LOWER({rhs})", (*lhs_params, *rhs_params)


def register() -> None:
    """Make `iexact` on every text field (CharField, EmailField, SlugField, TextField…) the
    lower()-based one."""
    models.CharField.register_lookup(LowerIExact)
    models.TextField.register_lookup(LowerIExact)

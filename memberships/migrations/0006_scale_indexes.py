"""Indexes for tenants of 20,000 members: the members list in its order, invitations by email
(`email_lower`), and trigram indexes for the searches on people (PostgreSQL's pg_trgm).

The trigram indexes are on `upper(…)`, the expression Django's `icontains` compiles to on
PostgreSQL (`UPPER(col::text) LIKE UPPER(%s)`), so the members search and the platform admin's
search boxes use them unchanged; `memberships_user` is outside row-level security, where a
`LIKE` may be an index condition. Everything is built CONCURRENTLY (sign-ins write `last_login`,
joins write memberships); SQLite gets the B-tree indexes and goes without the trigram ones."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

from causeloop.core.migration_ops import AddIndexOnline, PostgreSQLOnlySQL

_TRIGRAM_INDEXES = {
    "user_email_trgm": "upper((email)::text)",
    "user_name_trgm": "upper((name)::text)",
}


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [
        ("memberships", "0005_invitation_email_lower"),
    ]

    operations = [
        AddIndexOnline(
            model_name="membership",
            index=models.Index(
                fields=["organization", "joined_at", "id"], name="membership_org_joined"
            ),
        ),
        AddIndexOnline(
            model_name="invitation",
            index=models.Index(fields=["email_lower", "organization"], name="invitation_email"),
        ),
        # pg_trgm is a trusted extension: the migrating role (the database's owner) creates it.
        TrigramExtension(),
        *(
            PostgreSQLOnlySQL(
                f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON memberships_user "
                f"USING gin ({expression} gin_trgm_ops)",
                f"DROP INDEX CONCURRENTLY IF EXISTS {name}",
            )
            for name, expression in _TRIGRAM_INDEXES.items()
        ),
    ]

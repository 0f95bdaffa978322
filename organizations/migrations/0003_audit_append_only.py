"""Audit rows append-only in the database itself (SPEC §8): the application role loses UPDATE,
DELETE and TRUNCATE on them; the `app.audit_rewrite` escape is gone from the trigger; erasure's
scrub and a purge's removal go through two owner-owned functions (`causeloop.core.dbsecurity`).
Django no longer deletes audit rows with their organization: `organization_purge` does, through
`causeloop_audit_purge`. PostgreSQL only; elsewhere only the field's state changes."""

import django.db.models.deletion
from django.db import migrations, models

from causeloop.core.dbsecurity import apply_audit_guard


class Migration(migrations.Migration):
    dependencies = [
        ("organizations", "0002_seed_plans"),
        ("causeloop", "0100_row_level_security"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditlog",
            name="organization",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="audit_logs",
                to="organizations.organization",
            ),
        ),
        # Not reversible into the old guard (it let the application rewrite rows itself).
        migrations.RunPython(apply_audit_guard, migrations.RunPython.noop),
    ]

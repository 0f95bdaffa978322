"""Purging in the background: an organization being purged is marked (`purge_started_at`),
suspended for good (a check constraint; a trigger keeps the mark once set), and its audit rows
may leave in batches while it still exists (`causeloop_audit_purge(org, limit)` replaces
`causeloop_audit_purge(org)`). PostgreSQL only for the functions and the trigger."""

from django.db import migrations, models

from causeloop.core.dbsecurity import apply_audit_guard


class Migration(migrations.Migration):
    dependencies = [
        ("organizations", "0008_data_export"),
    ]

    operations = [
        migrations.AddField(
            model_name="organization",
            name="purge_started_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddConstraint(
            model_name="organization",
            constraint=models.CheckConstraint(
                condition=models.Q(purge_started_at__isnull=True) | models.Q(status="suspended"),
                name="organization_purging_is_suspended",
            ),
        ),
        # Not reversible into the old guard: its purge deleted only after the organization.
        migrations.RunPython(apply_audit_guard, migrations.RunPython.noop),
    ]

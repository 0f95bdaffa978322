"""The audit log filtered by action, in the page's order: (organization, action, created_at,
id) replaces (organization, action), its prefix; organizations by (name, id), the platform
admin's list. Built CONCURRENTLY on PostgreSQL, so audit rows (every tenant's writes make them)
keep being inserted while a million-row table is indexed."""

from django.db import migrations, models

from causeloop.core.migration_ops import AddIndexOnline


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [
        ("organizations", "0006_workspacesettings_organization"),
    ]

    operations = [
        AddIndexOnline(
            model_name="auditlog",
            index=models.Index(
                fields=["organization", "action", "created_at", "id"], name="audit_org_action"
            ),
        ),
        migrations.RemoveIndex(model_name="auditlog", name="organizatio_organiz_afa12e_idx"),
        AddIndexOnline(
            model_name="organization",
            index=models.Index(fields=["name", "id"], name="organization_name"),
        ),
    ]

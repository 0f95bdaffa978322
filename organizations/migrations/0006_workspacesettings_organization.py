"""Workspace settings carry their organization, as every tenant table does: row-level security
keys on it directly instead of through the workspace, and it is the distribution column under
Citus (docs/scaling.md). Existing rows take their workspace's organization."""

from django.db import migrations, models

from causeloop.core.dbsecurity import apply_row_level_security


def backfill(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The table's forced row-level security applies to its owner too.
            cursor.execute("SELECT set_config('app.platform', 'on', true)")
        cursor.execute(
            "UPDATE organizations_workspacesettings SET organization_id = ("
            "SELECT organization_id FROM organizations_workspace "
            "WHERE organizations_workspace.id = organizations_workspacesettings.workspace_id)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("organizations", "0005_event_relayed"),
    ]

    operations = [
        migrations.AddField(
            model_name="workspacesettings",
            name="organization",
            field=models.ForeignKey(
                null=True,
                on_delete=models.deletion.CASCADE,
                related_name="+",
                to="organizations.organization",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="workspacesettings",
            name="organization",
            field=models.ForeignKey(
                on_delete=models.deletion.CASCADE,
                related_name="+",
                to="organizations.organization",
            ),
        ),
        migrations.RunPython(apply_row_level_security, migrations.RunPython.noop),
    ]

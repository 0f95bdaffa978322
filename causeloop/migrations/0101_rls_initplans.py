"""Re-applies every tenant policy and the audit functions in their current form: each setting
read once per statement by a scalar subquery (an InitPlan) instead of once per row (PostgreSQL
only; idempotent). The table list and the conditions live in `causeloop.core.dbsecurity`."""

from django.db import migrations

from causeloop.core.dbsecurity import apply_row_level_security


class Migration(migrations.Migration):
    dependencies = [
        ("causeloop", "0100_row_level_security"),
        ("directory", "0001_initial"),
        ("memberships", "0004_invite_code_rules"),
        ("organizations", "0006_workspacesettings_organization"),
        ("webhooks", "0002_worker_heartbeat"),
    ]
    # The reverse keeps the policies as they are: they admit exactly the same rows.
    operations = [migrations.RunPython(apply_row_level_security, migrations.RunPython.noop)]

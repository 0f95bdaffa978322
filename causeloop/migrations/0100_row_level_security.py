"""Row-level security on every tenant table and the append-only guard on audit rows
(PostgreSQL only; a no-op elsewhere). The table list lives in `causeloop.core.dbsecurity`."""

from django.db import migrations

from causeloop.core.dbsecurity import apply_row_level_security, remove_row_level_security


class Migration(migrations.Migration):
    dependencies = [
        ("causeloop", "0001_initial"),
        ("memberships", "0002_initial"),
        ("organizations", "0002_seed_plans"),
    ]
    operations = [migrations.RunPython(apply_row_level_security, remove_row_level_security)]

"""Invitations keep their email in lower case too (a stored generated column), for
case-insensitive lookups that row-level security lets use an index."""

import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("memberships", "0004_invite_code_rules"),
    ]

    operations = [
        migrations.AddField(
            model_name="invitation",
            name="email_lower",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.functions.text.Lower("email"),
                output_field=models.CharField(max_length=254),
            ),
        ),
    ]

"""Invitations keep their email in lower case too (a stored generated column), for
case-insensitive lookups that row-level security lets use an index; "one pending invitation per
email" is enforced on it, in the same transaction (never unguarded)."""

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
        migrations.RemoveConstraint(
            model_name="invitation",
            name="one_pending_invitation_per_email",
        ),
        migrations.AddConstraint(
            model_name="invitation",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "pending")),
                fields=("organization", "email_lower"),
                name="one_pending_invitation_per_email",
            ),
        ),
    ]

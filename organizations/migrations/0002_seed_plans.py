"""Seed the Plan reference rows and their limits."""

from django.db import migrations

PLANS = [
    # code, name, seats, daily, monthly, concurrent, providers, price, order
    ("free", "Free", 10, 2, 60, 1, 1, 0, 0),
    ("starter", "Starter", 15, 6, 180, 1, 3, 29, 1),
    ("growth", "Growth", 50, 20, 600, 3, 10, 99, 2),
    ("enterprise", "Enterprise", 250, 50, 1500, 5, 20, 499, 3),
]


def seed(apps, schema_editor):
    Plan = apps.get_model("organizations", "Plan")
    for code, name, seats, daily, monthly, concurrent, providers, price, order in PLANS:
        Plan.objects.update_or_create(
            code=code,
            defaults={
                "name": name, "seats": seats, "daily_runs": daily, "monthly_runs": monthly,
                "concurrent_runs": concurrent, "providers": providers,
                "monthly_price_usd": price, "sort_order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("organizations", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

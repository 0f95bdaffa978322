"""`manage.py prune_exports`: delete the files of data exports whose download link expired, and
mark failed the exports a stopped worker left unfinished (run it hourly or daily, e.g. from cron;
an expired export asked for is also deleted on the spot)."""

from typing import Any

from django.core.management.base import BaseCommand

from onboarding.services.exports import data_exports_prune


class Command(BaseCommand):
    help = "Delete expired data export files; fail exports left unfinished."

    def handle(self, *args: Any, **options: Any) -> None:
        pruned = data_exports_prune()
        self.stdout.write(
            f"deleted the files of {pruned.expired} expired export(s); "
            f"{pruned.abandoned} unfinished export(s) marked failed"
        )

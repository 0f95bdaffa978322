"""`manage.py offboard_client SLUG --suspend | --reinstate | --purge [--yes]`."""

import json
import sys
from typing import Any

from django.core.management.base import CommandError, CommandParser
from tqdm import tqdm

from onboarding.management.commands._base import ProvisioningCommand, terminal_safe
from onboarding.purge import purge_row_counts
from onboarding.services.offboard import offboard_client, organization_by_slug


class Command(ProvisioningCommand):
    help = "Suspend, reinstate or purge a client. Purge keeps user rows."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--suspend", action="store_const", dest="action", const="suspend")
        action.add_argument("--reinstate", action="store_const", dest="action", const="reinstate")
        action.add_argument("--purge", action="store_const", dest="action", const="purge")
        parser.add_argument("--yes", action="store_true", help="purge without asking")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action is None:
            raise CommandError("choose one action: --suspend, --reinstate or --purge")
        organization = organization_by_slug(options["slug"])
        if action != "purge":
            result = offboard_client(slug=organization.slug, action=action)
        else:
            if not options["yes"]:
                self._confirm_purge(organization.slug, organization.name)
            result = self._purge(organization.slug, purge_row_counts(organization))
        self.stdout.write(json.dumps(result))

    def _purge(self, slug: str, counts: dict[str, int]) -> dict[str, Any]:
        """Purge here, batch by batch: a bar on a terminal (stderr, so the result on stdout
        stays JSON), else a line per table as it is done."""
        bar = tqdm(total=sum(counts.values()), unit=" rows", file=sys.stderr, disable=None)
        done: dict[str, int] = {}

        def progress(label: str, deleted: int) -> None:
            done[label] = done.get(label, 0) + deleted
            bar.update(deleted)
            bar.set_description(label.split(".")[-1])
            if bar.disable and done[label] >= counts.get(label, 0):
                self.stderr.write(f"deleted {done[label]} {label} row(s)", self.style.NOTICE)

        try:
            return offboard_client(slug=slug, action="purge", on_progress=progress)
        finally:
            bar.close()

    def _confirm_purge(self, slug: str, name: str) -> None:
        prompt = (  # input() prints it past the guarded streams
            f'This deletes "{terminal_safe(name)}" and everything beneath it (users are kept).\n'
            f'Type the slug "{terminal_safe(slug)}" to confirm: '
        )
        try:
            answer = input(prompt)
        except EOFError:
            answer = ""
        if answer.strip() != slug:
            raise CommandError("purge cancelled: confirmation did not match (use --yes to skip)")

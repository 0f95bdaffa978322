"""`manage.py offboard_client SLUG --suspend | --reinstate | --purge [--yes]`."""

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser

from onboarding.management.commands._base import ProvisioningCommand, terminal_safe
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
        if action == "purge" and not options["yes"]:
            self._confirm_purge(organization.slug, organization.name)
        result = offboard_client(slug=organization.slug, action=action)
        self.stdout.write(json.dumps(result))

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

"""`manage.py onboard_client --org-name … --org-slug … --owner-email …`: provision one client."""

import json
from typing import Any

from django.core.management.base import CommandParser

from onboarding.management.commands._base import ProvisioningCommand
from onboarding.services import onboard_client


class Command(ProvisioningCommand):
    help = (
        "Provision a client: organization, workspace, owner, membership, subscription, audit row."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org-name", required=True)
        parser.add_argument("--org-slug", required=True)
        parser.add_argument("--owner-email", required=True)
        parser.add_argument("--owner-name")
        parser.add_argument("--workspace-name")
        parser.add_argument("--plan", default="free")
        parser.add_argument("--timezone", default="UTC")
        parser.add_argument("--seats")

    def handle(self, *args: Any, **options: Any) -> None:
        result = onboard_client(
            org_name=options["org_name"],
            org_slug=options["org_slug"],
            owner_email=options["owner_email"],
            owner_name=options["owner_name"],
            workspace_name=options["workspace_name"],
            plan=options["plan"],
            timezone=options["timezone"],
            seats=options["seats"],
        )
        self.stdout.write(json.dumps(result.as_dict()))

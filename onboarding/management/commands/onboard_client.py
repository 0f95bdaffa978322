"""`manage.py onboard_client --org-name … --org-slug … --owner-email …`: provision one client."""

import json
from typing import Any

from django.core.management.base import CommandParser

from onboarding.fields import ONBOARD_FIELDS, Face
from onboarding.management.commands._base import ProvisioningCommand
from onboarding.services.onboard import onboard_client, onboard_request_from


class Command(ProvisioningCommand):
    help = (
        "Provision a client: organization, workspace, owner, membership, subscription, audit row."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        for field in ONBOARD_FIELDS:
            if field.switch_off is not None:
                parser.add_argument(
                    field.switch_off,
                    dest=field.name,
                    action="store_false",
                    default=True,
                    help="send the owner no welcome email",
                )
            else:
                parser.add_argument(field.option, required=field.required, default=field.default)

    def handle(self, *args: Any, **options: Any) -> None:
        request = onboard_request_from(options, face=Face.COMMAND)
        result = onboard_client(request=request)
        self.stdout.write(json.dumps(result.as_dict()))

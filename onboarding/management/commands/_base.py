"""Shared behaviour of the provisioning commands: domain errors become one line on stderr and
a non-zero exit status, and every command runs in the platform context."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from causeloop.errors import DomainError
from causeloop.tenancy import enter_platform


class ProvisioningCommand(BaseCommand):
    def execute(self, *args: Any, **options: Any) -> Any:
        try:
            enter_platform()
            return super().execute(*args, **options)
        except DomainError as error:
            raise CommandError(
                error.message, returncode=2 if error.status_code == 404 else 1
            ) from None

"""`manage.py show_client SLUG`: the organization, its workspace, owner and latest audit rows."""

import json
from typing import Any

from django.core.management.base import CommandParser

from onboarding.management.commands._base import ProvisioningCommand
from onboarding.services import client_summary


class Command(ProvisioningCommand):
    help = "Show what the runbook's verification queries show for one client."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument("--audit-rows", type=int, default=10)

    def handle(self, *args: Any, **options: Any) -> None:
        summary = client_summary(options["slug"], audit_rows=options["audit_rows"])
        if options["json"]:
            self.stdout.write(json.dumps(summary, indent=2))
            return
        org = summary["organization"]
        write = self.stdout.write
        write(f"Organization  {org['id']}  {org['name']} ({org['slug']})")
        write(
            f"  plan {org['plan']}, {org['seats']} seats, status {org['status']}, "
            f"timezone {org['timezone']}, {summary['members']} member(s)"
        )
        workspace = summary["workspace"]
        write(
            f"Workspace     {workspace['id']}  {workspace['name']}"
            if workspace
            else "Workspace     (none)"
        )
        for owner in summary["owners"]:
            write(
                f"Owner         {owner['membership_id']}  {owner['email']} ({owner['user_id']}), "
                f"role {owner['role']}, active {'yes' if owner['is_active'] else 'no'}"
            )
        write("Audit log (newest first)")
        for row in summary["audit_log"]:
            write(
                f"  {row['created_at']}  {row['action']:<24} by {row['actor']}  {row['target_id']}"
            )

"""`manage.py show_client SLUG`: the organization, its workspace, owner, usage against its limits
(platform overrides marked), webhook endpoints, domains, directory sync and latest audit
rows."""

import json
from typing import Any

from django.core.management.base import CommandParser

from onboarding.management.commands._base import ProvisioningCommand, terminal_safe
from onboarding.services.offboard import client_summary


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
        safe = terminal_safe  # stored names and emails are shown, never obeyed
        org = {key: safe(value) for key, value in summary["organization"].items()}
        write = self.stdout.write
        write(f"Organization  {org['id']}  {org['name']} ({org['slug']})")
        write(
            f"  plan {org['plan']}, {org['seats']} seats, status {org['status']}, "
            f"timezone {org['timezone']}, {safe(summary['members'])} member(s)"
        )
        workspace = summary["workspace"]
        write(
            f"Workspace     {safe(workspace['id'])}  {safe(workspace['name'])}"
            if workspace
            else "Workspace     (none)"
        )
        for owner in summary["owners"]:
            write(
                f"Owner         {safe(owner['membership_id'])}  {safe(owner['email'])} "
                f"({safe(owner['user_id'])}), role {safe(owner['role'])}, "
                f"active {'yes' if owner['is_active'] else 'no'}"
            )
        self._usage(summary["usage"])
        for hook in summary["webhooks"]:
            state = "enabled" if hook["enabled"] else f"disabled ({hook['disabled_reason']})"
            failing = f", failing since {hook['failing_since']}" if hook["failing_since"] else ""
            write(f"Webhook       {safe(hook['id'])}  {safe(hook['url'])}  {state}{safe(failing)}")
        for domain in summary["domains"]:
            state = f"verified {domain['verified_at']}" if domain["verified_at"] else "pending"
            write(
                f"Domain        {safe(domain['id'])}  {safe(domain['domain'])}  {state}, "
                f"policy {safe(domain['policy'])}"
            )
        directory = summary["directory"]
        if directory["scim_tokens"] or directory["people"]:
            write(
                f"Directory     {directory['scim_tokens']} SCIM token(s), {directory['people']} "
                f"people ({directory['active']} active), last request "
                f"{safe(directory['last_request_at'] or 'never')}"
            )
        write("Audit log (newest first)")
        for row in summary["audit_log"]:
            write(
                f"  {safe(row['created_at'])}  {safe(row['action']):<24} by {safe(row['actor'])}"
                f"  {safe(row['target_id'])}"
            )

    def _usage(self, usage: dict[str, Any]) -> None:
        limits, overridden = usage["limits"], usage["overridden"]

        def limit(name: str) -> str:
            if name in overridden:
                return f"{limits[name]} (override; plan: {usage['plan_limits'][name]})"
            return str(limits[name])

        write = self.stdout.write
        zone = terminal_safe(usage["timezone"])
        write(f"Usage         today {usage['today']}, month {usage['month']} ({zone})")
        write(f"  runs today       {usage['runs_today']} of {limit('daily')}")
        write(f"  runs this month  {usage['runs_this_month']} of {limit('monthly')}")
        write(f"  running now      {usage['running']} of {limit('concurrent')}")
        write(f"  integrations     {usage['integrations']} of {limit('providers')}")

"""The platform admin's view of what organizations use (§9): the usage panel and the limit
overrides on an organization's page, and read-only listings of integrations and runs.

Overrides are form fields of the organization's page, not of the subscription: the page checks
them with `limits_clean` and saves them with `limits_override` (audited, under the usage lock),
never as model fields. Credentials never appear: an integration shows its fingerprint only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import SafeString

from causeloop.core.errors import ValidationFailed
from organizations.models import Integration, Organization, Run, Subscription
from organizations.quotas import OVERRIDES
from organizations.services.plans import LIMIT_FIELDS, limits_clean
from organizations.usage import integrations_for, usage_of

OVERRIDE_PREFIX = "override_"
OVERRIDE_LABELS = {
    "daily": "Runs a day",
    "monthly": "Runs a month",
    "concurrent": "Runs at once",
    "providers": "Integrations",
}
OVERRIDE_FIELDS = tuple(OVERRIDE_PREFIX + name for name in LIMIT_FIELDS)


class OrganizationAdminForm(forms.ModelForm):
    """The organization's fields (the admin names the model and its fields), plus the
    platform's overrides of its plan's usage limits (shapes only: the plans service checks and
    saves them)."""

    override_daily = forms.IntegerField(required=False, label=OVERRIDE_LABELS["daily"])
    override_monthly = forms.IntegerField(required=False, label=OVERRIDE_LABELS["monthly"])
    override_concurrent = forms.IntegerField(required=False, label=OVERRIDE_LABELS["concurrent"])
    override_providers = forms.IntegerField(required=False, label=OVERRIDE_LABELS["providers"])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organization = self.instance
        if organization.pk is None:
            return
        subscription = Subscription.objects.filter(organization_id=organization.pk).first()
        for name, (override_field, plan_field) in OVERRIDES.items():
            field = self.fields[OVERRIDE_PREFIX + name]
            field.initial = getattr(subscription, override_field, None)
            field.help_text = f"Empty: the plan's {getattr(organization.plan, plan_field):,}."

    def limit_overrides(self) -> dict[str, int | None]:
        """The overrides as the form has them: a number, or None for the plan's."""
        return {
            name: self.cleaned_data[OVERRIDE_PREFIX + name]
            for name in LIMIT_FIELDS
            if OVERRIDE_PREFIX + name in self.cleaned_data
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.instance.pk is not None:
            try:
                limits_clean(dict(self.limit_overrides()))
            except ValidationFailed as error:
                for name, messages in error.fields.items():
                    field = OVERRIDE_PREFIX + name
                    for message in messages:
                        self.add_error(field if field in self.fields else None, message)
        return cleaned


@dataclass(frozen=True)
class UsageRow:
    """One line of the usage panel: what is used of a limit, and whose number the limit is."""

    label: str
    used: int
    limit: int
    plan_limit: int
    overridden: bool

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)


def usage_panel(organization: Organization) -> SafeString:
    """The usage panel of an organization's admin page (`usage_of`, as the API shows it)."""
    report = usage_of(organization)
    usage, plan = report.usage, organization.plan
    used = {
        "daily": usage.runs_today,
        "monthly": usage.runs_this_month,
        "concurrent": usage.running,
        "providers": report.providers_used,
    }
    labels = {
        "daily": f"Runs today ({usage.today:%Y-%m-%d})",
        "monthly": f"Runs this month ({usage.month:%Y-%m})",
        "concurrent": "Running now",
        "providers": "Integrations",
    }
    rows = [
        UsageRow(
            label=labels[name],
            used=used[name],
            limit=getattr(usage.limits, name),
            plan_limit=getattr(plan, plan_field),
            overridden=name in usage.limits.overridden,
        )
        for name, (_, plan_field) in OVERRIDES.items()
    ]
    kinds = sorted({row.get_kind_display() for row in integrations_for(organization)})
    filtered = urlencode({"organization__exact": organization.pk})
    context = {
        "report": report,
        "rows": rows,
        "kinds": kinds,
        "integrations_url": f"{reverse('admin:organizations_integration_changelist')}?{filtered}",
        "runs_url": f"{reverse('admin:organizations_run_changelist')}?{filtered}",
    }
    return render_to_string("admin/organizations/organization/usage_panel.html", context)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Operators look; the organization's own members (through the services) change."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Integration)
class IntegrationAdmin(ReadOnlyAdmin):
    list_display = (
        "name",
        "id",
        "kind",
        "organization",
        "fingerprint",
        "created_at",
        "credential_changed_at",
    )
    list_filter = ("kind",)
    search_fields = ("name", "id", "organization__slug")
    list_select_related = ("organization",)
    exclude = ("credential",)  # sealed, and never shown: the fingerprint says which one it is

    def get_queryset(self, request: HttpRequest) -> QuerySet[Integration]:
        return super().get_queryset(request).defer("credential")

    @admin.display(description="Fingerprint")
    def fingerprint(self, integration: Integration) -> str:
        return f"…{integration.last_four}"


@admin.register(Run)
class RunAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "name",
        "state",
        "organization",
        "integration",
        "day",
        "started_at",
        "finished_at",
        "started_by",
    )
    list_filter = ("status",)
    search_fields = ("id", "name", "organization__slug")
    list_select_related = ("organization", "integration")
    show_full_result_count = False  # one count of the filtered runs is enough

    def get_queryset(self, request: HttpRequest) -> QuerySet[Run]:
        return super().get_queryset(request).defer("integration__credential")

    @admin.display(description="State")
    def state(self, run: Run) -> str:
        return run.state

    @admin.display(description="Started by")
    def started_by(self, run: Run) -> str:
        return str(run.started_by_api_key_id or run.started_by_user_id or "")

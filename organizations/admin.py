"""The platform admin for organizations: approval and suspension (onboarding's admin adds the
"Onboard client" form and the purge action, which belong to the organization's lifecycle)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.utils import timezone
from django.utils.safestring import SafeString

from causeloop.core.counting import CappedCountPaginator
from causeloop.core.errors import DomainError
from causeloop.core.json_input import JSON_FORMFIELD_OVERRIDES
from organizations.admin_usage import OVERRIDE_FIELDS, OrganizationAdminForm, usage_panel
from organizations.audit_actions import ACTIONS
from organizations.models import (
    ApiKey,
    AuditLog,
    Organization,
    Plan,
    Subscription,
    Template,
    Workspace,
    WorkspaceSettings,
)
from organizations.quotas import limits_of
from organizations.services.organizations import (
    organization_approve,
    organization_reinstate,
    organization_suspend,
)
from organizations.services.plans import LIMIT_FIELDS, limits_override
from organizations.usage import runs_started_today, with_recent_usage_days

if TYPE_CHECKING:  # django-stubs is a development dependency
    from django_stubs_ext import WithAnnotations

    from memberships.models import User

# Overrides of the plan's limits are set on the organization's page through the plans service
# (`limits_override`, audited), never as the subscription's fields.
SUBSCRIPTION_OVERRIDES = tuple(LIMIT_FIELDS.values())


class WorkspaceInline(admin.StackedInline):
    model = Workspace
    extra = 0
    can_delete = False
    readonly_fields = ("id", "created_at")


class SubscriptionInline(admin.StackedInline):
    model = Subscription
    extra = 0
    can_delete = False
    readonly_fields = ("id", "created_at", "updated_at")
    exclude = SUBSCRIPTION_OVERRIDES


def named(organizations: list[Organization]) -> str:
    """The organizations as people name them: "Acme Corp (acme) and Globex (globex)"."""
    names = [str(organization) for organization in organizations]
    if len(names) > 5:
        return f"{', '.join(names[:5])} and {len(names) - 5} more organizations"
    return " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else names[0]


class MemberTotal(TypedDict):
    """The annotation `OrganizationAdmin.get_queryset` adds."""

    member_total: int


def member_total() -> Subquery:
    """An organization's members, counted by a correlated subquery in the list's SELECT: run
    for the page's rows only (PostgreSQL evaluates it after the LIMIT), where joining every
    membership and grouping by organization counted all 20,000 organizations' members for a
    page of 100, twice over with the paginator's count."""
    counted = Organization.objects.filter(pk=OuterRef("pk")).annotate(total=Count("memberships"))
    return Subquery(counted.order_by().values("total"))


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    # Fits a 1280 px screen beside the admin's menu: the ID is searchable and on the change page.
    list_display = ("name", "slug", "status", "plan", "member_count", "runs_today", "created")
    list_filter = ("status", "plan", "kind")
    search_fields = ("name", "slug", "id__exact")
    list_select_related = ("plan",)
    # Read off the (name, id) index a page at a time; one count (of the filtered list) a page.
    ordering = ("name", "id")
    show_full_result_count = False
    # The logo is the branding service's (it checks the image and deletes a replaced file).
    readonly_fields = ("id", "created_at", "updated_at", "suspended_at", "status", "logo", "usage")
    inlines = (WorkspaceInline, SubscriptionInline)
    actions: tuple[str, ...] = ("approve", "suspend", "reinstate")
    formfield_overrides = JSON_FORMFIELD_OVERRIDES
    form = OrganizationAdminForm

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organization]:
        organizations = super().get_queryset(request).annotate(member_total=member_total())
        # Fetched for the page's rows only, one query each.
        return with_recent_usage_days(organizations.prefetch_related("subscription"))

    @admin.display(description="Members")  # not sortable: that counts every organization's
    def member_count(self, organization: WithAnnotations[Organization, MemberTotal]) -> str:
        return f"{organization.member_total} of {organization.seats}"

    @admin.display(description="Runs today")
    def runs_today(self, organization: Organization) -> str:
        # The page's counters and subscriptions came in one query each: none per organization.
        subscription = getattr(organization, "subscription", None)
        daily = limits_of(organization, organization.plan, subscription).daily
        return f"{runs_started_today(organization)} of {daily}"

    @admin.display(description="Usage")
    def usage(self, organization: Organization) -> SafeString:
        return usage_panel(organization)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = self.get_fields(request, obj)
        own = [field for field in fields if field not in ("usage", *OVERRIDE_FIELDS)]
        if obj is None:
            return [(None, {"fields": own})]
        return [
            (None, {"fields": own}),
            ("Usage", {"fields": ["usage"]}),
            (
                "Limit overrides",
                {
                    "fields": list(OVERRIDE_FIELDS),
                    "description": "A number here wins over the plan's from the next run on; "
                    "leave it empty to follow the plan.",
                },
            ),
        ]

    def save_related(
        self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        # After the inlines: the subscription inline saves its row whole, and the overrides
        # must land after it, through the service.
        if change and isinstance(form, OrganizationAdminForm):
            limits_override(
                organization=form.instance,
                limits=form.limit_overrides(),
                actor=cast("User", request.user),
            )

    @admin.display(description="Created", ordering="created_at")
    def created(self, organization: Organization) -> date:
        return timezone.localdate(organization.created_at)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Deleting goes through the "purge" action, which asks for confirmation.
        return False

    def _each(
        self, request: HttpRequest, queryset: QuerySet[Organization], service: Any, verb: str
    ) -> None:
        done: list[Organization] = []
        for organization in queryset:
            try:
                service(organization=organization, actor=request.user)
                done.append(organization)
            except DomainError as error:
                self.message_user(request, f"{organization}: {error.message}", messages.ERROR)
        if done:
            self.message_user(request, f"{verb} {named(done)}.", messages.SUCCESS)

    @admin.action(description="Approve selected pending organizations")
    def approve(self, request: HttpRequest, queryset: QuerySet[Organization]) -> None:
        self._each(request, queryset, organization_approve, "Approved")

    @admin.action(description="Suspend selected organizations")
    def suspend(self, request: HttpRequest, queryset: QuerySet[Organization]) -> None:
        self._each(request, queryset, organization_suspend, "Suspended")

    @admin.action(description="Reinstate selected organizations")
    def reinstate(self, request: HttpRequest, queryset: QuerySet[Organization]) -> None:
        self._each(request, queryset, organization_reinstate, "Reinstated")


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "seats",
        "daily_runs",
        "monthly_runs",
        "concurrent_runs",
        "providers",
        "monthly_price_usd",
    )


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ("name", "id", "organization", "created_at")
    search_fields = ("name", "id", "organization__slug")
    list_select_related = ("organization",)
    readonly_fields = ("id",)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A workspace goes only with its organization (the purge action): onboarding's
        # idempotency and the runbook's checks expect every organization to have one.
        return False


@admin.register(WorkspaceSettings)
class WorkspaceSettingsAdmin(admin.ModelAdmin):
    list_display = ("workspace", "timezone", "report_schedule", "locale")
    list_select_related = ("workspace",)


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("organization", "id", "billing_status", "trial_ends_at", "updated_at")
    list_filter = ("billing_status",)
    search_fields = ("organization__slug", "id")
    list_select_related = ("organization",)
    readonly_fields = ("id", *SUBSCRIPTION_OVERRIDES)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "id",
        "organization",
        "fingerprint",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    list_filter = ("revoked_at",)
    search_fields = ("name", "id", "organization__slug")
    list_select_related = ("organization",)
    exclude = ("key_hash",)
    formfield_overrides = JSON_FORMFIELD_OVERRIDES
    readonly_fields = (
        "id",
        "organization",
        "last_four",
        "created_by",
        "created_at",
        "last_used_at",
        "rotated_from",
    )

    @admin.display(description="Fingerprint")
    def fingerprint(self, api_key: ApiKey) -> str:
        return f"…{api_key.last_four}"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # keys are created by their organization, shown once


@admin.register(Template)
class TemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "id", "kind", "organization", "updated_at")
    list_filter = ("kind",)
    search_fields = ("name", "id", "organization__slug")
    list_select_related = ("organization",)
    readonly_fields = ("id",)


class AuditActionFilter(admin.SimpleListFilter):
    """The actions the code writes (the catalogue), not the distinct actions of a million rows
    (`SELECT DISTINCT action` read them all for the menu)."""

    title = "action"
    parameter_name = "action__exact"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(code, f"{action.label} ({code})") for code, action in ACTIONS.items()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[AuditLog]) -> QuerySet[AuditLog]:
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    """Every tenant's audit rows (a million and more): newest first by ID (IDs are minted in
    time order, and the primary key's index serves it), found by row, organization and action
    through indexes, counted up to a bound. No date drill-down: it read every row for its
    menu, twice."""

    list_display = (
        "created_at",
        "action",
        "organization",
        "actor_name",
        "target_type",
        "target_id",
        "ip_address",
    )
    list_filter = (AuditActionFilter,)
    search_fields = ("id",)  # shows the box; `get_search_results` says what a term means
    search_help_text = "An audit row's ID (aud_…), or an organization's ID (org_…) or slug."
    list_select_related = ("organization",)
    ordering = ("-id",)
    sortable_by = ()  # any other order would sort every tenant's rows for one page
    show_full_result_count = False
    paginator = CappedCountPaginator

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[AuditLog], search_term: str
    ) -> tuple[QuerySet[AuditLog], bool]:
        # Equalities only (under row-level security a `LIKE` is a filter over every row), and
        # the organization's ID rather than a join on its slug: planned for that ID, a big
        # tenant's rows are read newest first off the primary key, a small one's off its index.
        term = search_term.strip()[:64]
        if not term:
            return queryset, False
        if term.startswith("aud_"):
            return queryset.filter(pk=term), False
        if not term.startswith("org_"):
            slug = Organization.objects.filter(slug=term.lower()).values_list("pk", flat=True)
            term = next(iter(slug), "")
        return queryset.filter(organization_id=term), False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

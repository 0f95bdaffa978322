"""The platform admin for organizations: onboarding, approval, suspension and purge."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from causeloop.core.errors import DomainError
from causeloop.core.json_input import JSON_FORMFIELD_OVERRIDES
from onboarding.services import onboard_client
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
from organizations.services import (
    organization_approve,
    organization_purge,
    organization_reinstate,
    organization_suspend,
)

if TYPE_CHECKING:  # django-stubs is a development dependency
    from django_stubs_ext import WithAnnotations


class OnboardClientForm(forms.Form):
    org_name = forms.CharField(label="Organization name", max_length=200)
    org_slug = forms.CharField(
        label="Slug", max_length=50, help_text="3–50 characters: a-z, 0-9, - and _."
    )
    owner_email = forms.EmailField(label="Owner email")
    owner_name = forms.CharField(label="Owner name", required=False, max_length=200)
    workspace_name = forms.CharField(label="Workspace name", required=False, max_length=200)
    plan = forms.ChoiceField(label="Plan", choices=Plan.Code.choices, initial=Plan.Code.FREE)
    timezone = forms.CharField(label="Timezone", initial="UTC", max_length=64)
    seats = forms.IntegerField(
        label="Seats", required=False, min_value=1, help_text="Leave empty for the plan's seats."
    )


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


class MemberTotal(TypedDict):
    """The annotation `OrganizationAdmin.get_queryset` adds."""

    member_total: int


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "id", "status", "plan", "seats", "member_count", "created_at")
    list_filter = ("status", "plan", "kind")
    search_fields = ("name", "slug", "id")
    list_select_related = ("plan",)
    readonly_fields = ("id", "created_at", "updated_at", "suspended_at", "status")
    inlines = (WorkspaceInline, SubscriptionInline)
    actions = ("approve", "suspend", "reinstate", "purge")
    change_list_template = "admin/organizations/organization/change_list.html"
    formfield_overrides = JSON_FORMFIELD_OVERRIDES

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organization]:
        return super().get_queryset(request).annotate(member_total=Count("memberships"))

    @admin.display(description="Members", ordering="member_total")
    def member_count(self, organization: WithAnnotations[Organization, MemberTotal]) -> int:
        return organization.member_total

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Deleting goes through the "purge" action, which asks for confirmation.
        return False

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        # An organization is never created bare: "add" is the onboarding form.
        return HttpResponseRedirect(reverse("admin:organizations_organization_onboard"))

    def get_urls(self) -> list[Any]:
        return [
            path(
                "onboard/",
                self.admin_site.admin_view(self.onboard_view),
                name="organizations_organization_onboard",
            ),
            *super().get_urls(),
        ]

    def onboard_view(self, request: HttpRequest) -> HttpResponse:
        """The "Onboard client" form: the same service as the command and the API."""
        if not self.has_add_permission(request):
            return HttpResponse(status=403)
        form = OnboardClientForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                result = onboard_client(**form.cleaned_data)
            except DomainError as error:
                for field, problems in error.fields.items():
                    for problem in problems:
                        form.add_error(field if field in form.fields else None, problem)
                if not error.fields:
                    form.add_error(None, error.message)
            else:
                verb = "Onboarded" if result.created else "Already onboarded:"
                self.message_user(
                    request,
                    f"{verb} {form.cleaned_data['org_slug']} ({result.org_id}).",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:organizations_organization_change", args=[result.org_id])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": "Onboard client",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/organizations/organization/onboard.html", context)

    def _each(
        self, request: HttpRequest, queryset: QuerySet[Organization], service: Any, verb: str
    ) -> None:
        done = 0
        for organization in queryset:
            try:
                service(organization=organization, actor=request.user)
                done += 1
            except DomainError as error:
                self.message_user(request, f"{organization.slug}: {error.message}", messages.ERROR)
        if done:
            self.message_user(request, f"{verb} {done} organization(s).", messages.SUCCESS)

    @admin.action(description="Approve selected pending organizations")
    def approve(self, request: HttpRequest, queryset: QuerySet[Organization]) -> None:
        self._each(request, queryset, organization_approve, "Approved")

    @admin.action(description="Suspend selected organizations")
    def suspend(self, request: HttpRequest, queryset: QuerySet[Organization]) -> None:
        self._each(request, queryset, organization_suspend, "Suspended")

    @admin.action(description="Reinstate selected organizations")
    def reinstate(self, request: HttpRequest, queryset: QuerySet[Organization]) -> None:
        self._each(request, queryset, organization_reinstate, "Reinstated")

    @admin.action(description="Purge selected organizations (asks for confirmation)")
    def purge(self, request: HttpRequest, queryset: QuerySet[Organization]) -> HttpResponse | None:
        if request.POST.get("confirm") == "yes":
            count = 0
            for organization in queryset:
                organization_purge(organization=organization)
                count += 1
            self.message_user(
                request,
                f"Purged {count} organization(s); user accounts were kept.",
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Purge organizations?",
            "organizations": queryset,
            "opts": self.model._meta,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(
            request, "admin/organizations/organization/purge_confirmation.html", context
        )


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
    readonly_fields = ("id",)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "id",
        "organization",
        "fingerprint",
        "created_at",
        "last_used_at",
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


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "action",
        "organization",
        "actor_name",
        "target_type",
        "target_id",
        "ip_address",
    )
    list_filter = ("action",)
    search_fields = ("id", "organization__slug", "actor_name", "target_id")
    list_select_related = ("organization",)
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

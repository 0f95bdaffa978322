"""The directory in the platform admin: operators look at an organization's domains, its SCIM
tokens (never their hashes) and the people its directory manages; the organization's admins and
its identity provider change them, through the services (so every change is audited)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from directory.models import DirectoryUser, Domain, ScimToken
from organizations.admin_usage import ReadOnlyAdmin


@admin.register(Domain)
class DomainAdmin(ReadOnlyAdmin):
    list_display = (
        "name",
        "id",
        "organization",
        "verified",
        "policy",
        "verified_at",
        "checked_at",
        "created_at",
    )
    list_filter = ("policy", ("verified_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "id", "organization__slug")
    list_select_related = ("organization",)
    readonly_fields = ("token",)

    @admin.display(description="Verified", boolean=True)
    def verified(self, domain: Domain) -> bool:
        return domain.is_verified


@admin.register(ScimToken)
class ScimTokenAdmin(ReadOnlyAdmin):
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
    exclude = ("key_hash",)  # a keyed hash, never shown

    def get_queryset(self, request: HttpRequest) -> QuerySet[ScimToken]:
        return super().get_queryset(request).defer("key_hash")

    @admin.display(description="Token")
    def fingerprint(self, token: ScimToken) -> str:
        return f"…{token.last_four}"


@admin.register(DirectoryUser)
class DirectoryUserAdmin(ReadOnlyAdmin):
    list_display = (
        "user_name",
        "id",
        "organization",
        "user",
        "active",
        "role",
        "external_id",
        "created_account",
        "updated_at",
    )
    list_filter = ("active", "role", "created_account")
    search_fields = ("user_name", "id", "external_id", "organization__slug", "user__email")
    list_select_related = ("organization", "user")
    show_full_result_count = False

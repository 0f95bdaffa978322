"""The directory in the platform admin: operators look; the organization's admins change it,
through the services (so every change is audited)."""

from __future__ import annotations

from django.contrib import admin

from directory.models import Domain
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

"""The platform admin for people: users, memberships, invitations, codes and tokens."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from causeloop.core.counting import CappedCountPaginator
from memberships.models import Invitation, InviteCode, Membership, PersonalToken, User
from organizations.models import Organization

# How many people a membership search names at most (part of an email can match thousands).
SEARCHED_PEOPLE = 1000


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    fields = ("organization", "role", "is_active", "joined_at")
    readonly_fields = ("joined_at",)
    raw_id_fields = ("organization",)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ("email",)
    list_display = ("email", "name", "id", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active")
    # Email and name through their trigram indexes, the ID by its own: each term is one
    # bitmap OR of three index scans, not a read of every account.
    search_fields = ("email", "name", "id__exact")
    show_full_result_count = False
    readonly_fields = ("id", "date_joined", "last_login")
    inlines = (MembershipInline,)
    fieldsets = (
        (None, {"fields": ("id", "email", "password")}),
        ("Profile", {"fields": ("name",)}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "name", "password1", "password2")}),
    )


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "organization", "role", "is_active", "joined_at")
    list_filter = ("role", "is_active")
    search_fields = ("id",)  # shows the box; `get_search_results` says what a term means
    search_help_text = (
        "A membership's ID (mem_…); a person's ID (usr_…) or part of their email (the first "
        f"{SEARCHED_PEOPLE} people it matches); an organization's ID (org_…) or slug."
    )
    list_select_related = ("user", "organization")
    raw_id_fields = ("user", "organization", "invited_by")
    # Every tenant's memberships: newest first by ID (minted in time order; the primary key's
    # index), counted up to a bound.
    ordering = ("-id",)
    show_full_result_count = False
    paginator = CappedCountPaginator

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Membership], search_term: str
    ) -> tuple[QuerySet[Membership], bool]:
        term = search_term.strip()[:254]
        if not term:
            return queryset, False
        for prefix, field in (("mem_", "pk"), ("usr_", "user_id"), ("org_", "organization_id")):
            if term.startswith(prefix):
                return queryset.filter(**{field: term}), False
        # The people and the organization first, each through its own index (the emails'
        # trigrams, the slug's): conditions on the joined tables, OR-ed, read every membership.
        people = User.objects.filter(email__icontains=term).order_by().values_list("pk", flat=True)
        organizations = Organization.objects.filter(slug=term.lower()).values_list("pk", flat=True)
        found = Q(user_id__in=list(people[:SEARCHED_PEOPLE]))
        return queryset.filter(found | Q(organization_id__in=list(organizations))), False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "id", "organization", "role", "status", "expires_at", "created_at")
    list_filter = ("status", "role")
    search_fields = ("email", "id__exact", "organization__slug__exact")
    list_select_related = ("organization",)
    ordering = ("-id",)  # newest first, by the primary key's index
    show_full_result_count = False
    paginator = CappedCountPaginator
    exclude = ("token_hash",)
    readonly_fields = (
        "id",
        "organization",
        "email",
        "invited_by",
        "created_at",
        "accepted_at",
        "accepted_by",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # invitations are sent by organizations, with a token mailed once


@admin.register(InviteCode)
class InviteCodeAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "id",
        "organization",
        "role",
        "uses",
        "max_uses",
        "email_domain",
        "is_active",
        "expires_at",
    )
    list_filter = ("is_active", "role")
    search_fields = ("code", "id", "organization__slug", "email_domain")
    list_select_related = ("organization",)
    raw_id_fields = ("organization", "created_by")
    # The rules are the organization's, set through its pages or API (and checked there);
    # the count of uses is kept by joining. An operator may deactivate a code or move its expiry.
    readonly_fields = ("id", "code", "role", "max_uses", "uses", "email_domain", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # codes are created by their organization, under its rules


@admin.register(PersonalToken)
class PersonalTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "id", "user", "last_four", "created_at", "last_used_at", "revoked_at")
    search_fields = ("name", "id", "user__email")
    list_select_related = ("user",)
    exclude = ("key_hash",)
    readonly_fields = ("id", "user", "last_four", "created_at", "last_used_at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

"""Reads of organizations that the API, the pages and the commands share. Tenant data is read
from the organization it belongs to, so no caller writes the unscoped query by hand."""

from __future__ import annotations

from django.db import models
from django.db.models import Q, QuerySet
from django.utils.text import capfirst

from causeloop.core.errors import NotFound
from causeloop.core.keyset import KeysetPage, keyset_page
from organizations.models import ApiKey, AuditLog, Organization, Plan, Subscription, Template


def organization_by_reference(reference: str) -> Organization:
    """Any organization, by ID or slug, with its plan and subscription: for platform operators,
    who see every tenant (the caller is in the platform context)."""
    reference = reference.strip().lower()[:64]
    organizations = Organization.objects.select_related("subscription", "plan")
    if reference.startswith("org_"):
        organization = organizations.filter(pk=reference).first()
    else:
        organization = organizations.with_slug(reference).first()
    if organization is None:
        raise NotFound("Organization not found.")
    return organization


def audit_log_for(organization: Organization) -> QuerySet[AuditLog]:
    """The organization's audit trail, newest first."""
    return organization.audit_logs.order_by("-created_at", "-id")


# One page of an audit trail, newest first, and the cursors to its neighbours.
type AuditPage = KeysetPage[AuditLog]


def audit_log_page(
    organization: Organization,
    *,
    action: str = "",
    person: str = "",
    after: str = "",
    before: str = "",
    size: int = 25,
) -> AuditPage:
    """A page of the organization's audit trail with its actors, by keyset: rows older than
    the cursor `after`, or newer than `before`. One query and no count, whatever the size of
    the trail; `person` matches who acted (name, email, key) or whom a row is about (email).
    A cursor that is not one raises ValidationFailed."""
    rows = audit_log_for(organization).select_related("actor_user", "actor_api_key")
    if action:
        rows = rows.filter(action=action)
    if person:
        rows = rows.filter(
            Q(actor_name__icontains=person)
            | Q(actor_user__name__icontains=person)
            | Q(details__email__icontains=person)
        )
    return keyset_page(rows, moment="created_at", after=after, before=before, size=size)


def plans_all() -> list[Plan]:
    """Every plan, cheapest first."""
    return list(Plan.objects.order_by("sort_order", "seats"))


def subscription_of(organization: Organization) -> Subscription | None:
    """The organization's billing state, if it has one."""
    return Subscription.objects.filter(organization=organization).first()


def templates_for(organization: Organization) -> QuerySet[Template]:
    """The organization's shared templates, by name."""
    return organization.templates.order_by("name", "id")


def api_keys_for(organization: Organization) -> QuerySet[ApiKey]:
    """The organization's API keys, revoked ones included, newest first."""
    return organization.api_keys.order_by("-created_at", "-id")


def owned_row[M: models.Model](
    model: type[M], *, organization: Organization | str, pk: object, rows: QuerySet[M] | None = None
) -> M:
    """The row of `model` with this `pk` that belongs to `organization`, or NotFound whatever
    `pk` looks like (another tenant's row is as absent as one that never existed). `rows`
    narrows the search further, or says what to fetch with the row."""
    not_found = NotFound(f"{capfirst(model._meta.verbose_name)} not found.")
    if not isinstance(pk, str) or len(pk) > 64 or not pk.isprintable():
        raise not_found
    found = model._default_manager.all() if rows is None else rows
    row = found.filter(organization=organization, pk=pk).first()
    if row is None:
        raise not_found
    return row

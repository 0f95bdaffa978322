"""Reads of organizations that the API, the pages and the commands share."""

from __future__ import annotations

from causeloop.core.errors import NotFound
from organizations.models import Organization


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

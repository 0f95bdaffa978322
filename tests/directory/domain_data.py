"""Domains for tests, written as the services would leave them."""

from __future__ import annotations

from django.utils import timezone

from directory.models import Domain
from organizations.models import Organization


def make_domain(
    organization: Organization,
    name: str = "acme.test",
    *,
    verified: bool = False,
    policy: str = Domain.Policy.SUGGEST,
) -> Domain:
    return Domain.objects.create(
        organization=organization,
        name=name,
        policy=policy,
        verified_at=timezone.now() if verified else None,
    )

"""Self-service setup: the wizard's corrections to the organization it made, its plan and
first API key, and personal organizations."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from memberships.models import Membership, User
from onboarding.lifecycle import organization_create
from organizations.models import ApiKey, Organization
from organizations.services.api_keys import api_key_create
from organizations.services.organizations import organization_update, unique_slug_from_name
from organizations.services.plans import organization_change_plan
from organizations.validation import slug_base_from_name


def wizard_slug_for(*, name: str, organization: Organization | None = None) -> str:
    """The address the wizard suggests for `name`: a free one derived from it, or — when the
    organization being set up already has one derived from the same name — that one, so that
    saving it unchanged never moves it to `acme-2`."""
    base = slug_base_from_name(name)
    if organization is not None and re.fullmatch(rf"{re.escape(base)}(-\d+)?", organization.slug):
        return organization.slug
    return unique_slug_from_name(name)


@transaction.atomic
def organization_details_change(
    *, organization: Organization, actor: User, name: str, kind: str, slug: str | None
) -> Organization:
    """The wizard's Back: fix the name, type or address of the organization it made. An empty
    address follows the name, as it did when the organization was created."""
    return organization_update(
        organization=organization,
        actor=actor,
        name=name,
        kind=kind,
        slug=slug or wizard_slug_for(name=name, organization=organization),
    )


@dataclass(frozen=True)
class OrganizationSetup:
    organization: Organization
    # The first API key, to be shown once; None when none was issued.
    api_key_secret: str | None


@transaction.atomic
def organization_setup(*, organization: Organization, actor: User, plan: str) -> OrganizationSetup:
    """The wizard's last choice: the organization's plan and, if it is active and has never had
    an API key, its first one."""
    organization = organization_change_plan(organization=organization, actor=actor, plan=plan)
    # Not while it awaits approval; and choosing the plan again (the back button, a second
    # submit) never issues a second key.
    if (
        organization.status != Organization.Status.ACTIVE
        or ApiKey.objects.filter(organization=organization).exists()
    ):
        return OrganizationSetup(organization=organization, api_key_secret=None)
    _api_key, secret = api_key_create(organization=organization, actor=actor, name="Default key")
    return OrganizationSetup(organization=organization, api_key_secret=secret)


def personal_organization_ensure(*, user: User) -> Organization | None:
    """Where personal organizations are on, the one made for a person without any membership
    (their first sign-in); None when nothing was made. Called on every visit to the dashboard,
    so the common case is one setting read and no transaction (`organization_create` is one)."""
    if not settings.CAUSELOOP_PERSONAL_ORG or Membership.objects.filter(user=user).exists():
        return None
    name = user.name or user.email.split("@")[0]
    return organization_create(user=user, name=f"{name}'s organization"[:200])

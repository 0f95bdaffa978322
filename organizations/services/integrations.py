"""An organization's integrations: provider credentials sealed under the master key (§9).

The secret goes in once and never comes back out through the API or the pages: what callers
see is the kind, the name and the last four characters. Adding one counts against the plan's
`providers` limit, exactly: the organization's subscription row is locked while counting, the
same lock the run quotas take.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from causeloop.core.crypto import decrypt, encrypt
from causeloop.core.errors import Conflict, ValidationFailed
from organizations.access import require_role
from organizations.audit import audit
from organizations.models import ApiKey, Integration, Organization
from organizations.quotas import limits_of
from organizations.roles import Role
from organizations.services.plans import subscription_locked
from organizations.validation import clean_name, has_control_characters

if TYPE_CHECKING:
    from memberships.models import User

MAX_CREDENTIAL_LENGTH = 10_000


@dataclass(frozen=True, kw_only=True)
class IntegrationChanges:
    """What to change; None leaves a field as it is. A new credential replaces the old."""

    name: str | None = None
    credential: str | None = None


def _kind(kind: object) -> str:
    if kind not in Integration.Kind.values:
        choices = ", ".join(Integration.Kind.values)
        message = f'"kind" must be one of {choices}.'
        raise ValidationFailed(message, fields={"kind": [message]})
    return str(kind)


def _credential(value: object) -> str:
    """The secret as given (not trimmed inside), checked: text, 8–10,000 characters, one line."""
    if not isinstance(value, str):
        raise ValidationFailed("Credential must be text.", fields={"credential": ["Must be text."]})
    value = value.strip()
    if not 8 <= len(value) <= MAX_CREDENTIAL_LENGTH:
        message = f"Credential must be 8 to {MAX_CREDENTIAL_LENGTH:,} characters."
        raise ValidationFailed(message, fields={"credential": [message]})
    if "\x00" in value or has_control_characters(value):
        message = "Credential must not contain control characters or line breaks."
        raise ValidationFailed(message, fields={"credential": [message]})
    return value


def _name_taken(name: str) -> Conflict:
    return Conflict(
        f'An integration named "{name}" already exists in this organization.',
        code="integration_name_taken",
        fields={"name": ["Another integration has this name."]},
    )


def _save(integration: Integration, name: str, **kwargs: object) -> None:
    taken = (
        Integration.objects.filter(organization_id=integration.organization_id, name__iexact=name)
        .exclude(pk=integration.pk)
        .exists()
    )
    if taken:
        raise _name_taken(name)
    try:
        with transaction.atomic():
            integration.save(**kwargs)  # type: ignore[arg-type]
    except IntegrityError as error:  # a racing request took the name between check and write
        raise _name_taken(name) from error


@transaction.atomic
def integration_create(
    *, organization: Organization, actor: User | ApiKey, name: str, kind: str, credential: str
) -> Integration:
    """A new integration (admin+), if the plan's providers limit leaves room."""
    require_role(actor, organization, at_least=Role.ADMIN)
    name = clean_name(name, label="Name")
    kind, secret = _kind(kind), _credential(credential)
    subscription = subscription_locked(organization)
    current = subscription.organization
    limit = limits_of(current, current.plan, subscription).providers
    if Integration.objects.filter(organization_id=organization.pk).count() >= limit:
        raise Conflict(
            f"This organization's plan allows {limit} integration{'s' if limit != 1 else ''}; "
            "remove one or change the plan to add another.",
            code="provider_limit_reached",
            fields={"limit": [str(limit)]},
        )
    integration = Integration(
        organization=organization,
        name=name,
        kind=kind,
        credential=encrypt(secret.encode()),
        last_four=secret[-4:],
        created_by=None if isinstance(actor, ApiKey) else actor,
    )
    _save(integration, name, force_insert=True)
    audit(
        organization,
        actor=actor,
        action="integration.created",
        target=integration,
        details={"name": name, "kind": kind, "fingerprint": integration.last_four},
    )
    return integration


@transaction.atomic
def integration_update(
    *, integration: Integration, actor: User | ApiKey, changes: IntegrationChanges
) -> Integration:
    """Rename an integration or replace its credential (admin+)."""
    require_role(actor, integration.organization, at_least=Role.ADMIN)
    details: dict[str, str] = {}
    if changes.name is not None:
        name = clean_name(changes.name, label="Name")
        if name != integration.name:
            details["previous_name"] = integration.name
            integration.name = name
    if changes.credential is not None:
        secret = _credential(changes.credential)
        integration.credential = encrypt(secret.encode())
        integration.last_four = secret[-4:]
        integration.credential_changed_at = timezone.now()
        details["credential"] = "replaced"
        details["fingerprint"] = integration.last_four
    if not details:
        return integration
    _save(integration, integration.name)
    audit(
        integration.organization,
        actor=actor,
        action="integration.updated",
        target=integration,
        details={"name": integration.name, **details},
    )
    return integration


@transaction.atomic
def integration_delete(*, integration: Integration, actor: User | ApiKey) -> None:
    """Remove an integration (admin+); its past runs keep their history without it."""
    require_role(actor, integration.organization, at_least=Role.ADMIN)
    audit(
        integration.organization,
        actor=actor,
        action="integration.deleted",
        target=integration,
        details={"name": integration.name, "kind": integration.kind},
    )
    integration.delete()


def integration_secret(integration: Integration) -> str:
    """The plaintext credential, for the code that calls the provider; never for display."""
    return decrypt(bytes(integration.credential)).decode()

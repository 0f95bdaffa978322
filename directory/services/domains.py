"""An organization's email domains (admin+, SPEC §11): add one, verify it through DNS, choose its
policy, remove it. Every change is audited.

Verifying looks the TXT record up first, holding no lock and writing nothing, and only then
marks the domain verified in a short transaction of its own; the partial unique index
`domain_verified_once` sees every tenant's rows, so of two organizations verifying one domain at
the same moment exactly one wins and the other is told `domain_claimed`. A lookup that does
not find the record is recorded on the domain (`checked_at`, `check_error`) and answered 409
`domain_not_verified` with what DNS said: the request was fine, the world is not ready yet,
and the same request succeeds once the record is published.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

from django.db import IntegrityError, transaction
from django.utils import timezone

from causeloop.core.errors import Conflict, ValidationFailed
from directory.dns import lookup_txt
from directory.free_mail import is_public_email_domain
from directory.models import Domain
from directory.selectors.domains import domain_verified_elsewhere
from organizations.access import require_role
from organizations.audit import audit
from organizations.models import ApiKey, Organization
from organizations.roles import Role
from organizations.validation import clean_domain

if TYPE_CHECKING:
    from memberships.models import User

_CHECK_ERROR_LENGTH = Domain._meta.get_field("check_error").max_length or 500


def _exists(name: str) -> Conflict:
    message = f"{name} is already one of this organization's domains."
    return Conflict(message, code="domain_exists", fields={"domain": [message]})


def _claimed(name: str) -> Conflict:
    message = f"Another organization has already verified {name}: a domain belongs to one."
    return Conflict(message, code="domain_claimed", fields={"domain": [message]})


def clean_policy(value: object) -> Domain.Policy:
    """`suggest` or `auto_join`, or `invalid_policy`."""
    if value not in Domain.Policy.values:
        message = f'"{str(value)[:50]}" is not a policy; choose suggest or auto_join.'
        raise ValidationFailed(message, code="invalid_policy", fields={"policy": [message]})
    return Domain.Policy(value)


@transaction.atomic
def domain_add(
    *,
    organization: Organization,
    actor: User | ApiKey,
    domain: object,
    policy: object = Domain.Policy.SUGGEST,
) -> Domain:
    """Add a domain to verify: the organization then publishes the TXT record it shows."""
    require_role(actor, organization, at_least=Role.ADMIN)
    name = clean_domain(domain)
    chosen = clean_policy(policy)
    if is_public_email_domain(name):
        message = (
            f"{name} is a public email provider's domain: anyone can have an address there, so "
            "no organization can claim it."
        )
        raise ValidationFailed(message, code="public_email_domain", fields={"domain": [message]})
    if Domain.objects.filter(organization_id=organization.pk, name=name).exists():
        raise _exists(name)
    if domain_verified_elsewhere(name, organization=organization):
        raise _claimed(name)
    added = Domain(
        organization=organization,
        name=name,
        policy=chosen,
        created_by=None if isinstance(actor, ApiKey) else actor,
    )
    try:
        with transaction.atomic():
            added.save(force_insert=True)
    except IntegrityError as error:  # the same name added by a racing request
        raise _exists(name) from error
    audit(organization, actor=actor, action="domain.added", target=added, details={"domain": name})
    return added


def domain_verify(*, domain: Domain, actor: User | ApiKey) -> Domain:
    """Look the domain's TXT record up and, when it is there, mark the domain verified. Not one
    transaction on purpose: the lookup (seconds, at worst) holds no lock; the outcome is then
    written in a transaction of its own (`_verified`, `_check_failed`)."""
    organization = domain.organization
    require_role(actor, organization, at_least=Role.ADMIN)
    if domain.is_verified:
        return domain
    if domain_verified_elsewhere(domain.name, organization=organization):
        _check_failed(domain, _claimed(domain.name))
    found = lookup_txt(domain.name, expected=domain.txt_record, prefix=Domain.TXT_PREFIX)
    if not found.found:
        _check_failed(
            domain,
            Conflict(found.message, code="domain_not_verified", fields={"domain": [found.message]}),
        )
    try:
        return _verified(domain, actor=actor)
    except IntegrityError:  # another organization verified it a moment before
        _check_failed(domain, _claimed(domain.name))


@transaction.atomic
def _verified(domain: Domain, *, actor: User | ApiKey) -> Domain:
    """Mark the domain verified (the unique index refuses a second organization)."""
    now = timezone.now()
    updated = Domain.objects.filter(pk=domain.pk, verified_at__isnull=True).update(
        verified_at=now, checked_at=now, check_error=""
    )
    if not updated:  # a double click verified it a moment ago
        domain.refresh_from_db(fields=["verified_at", "checked_at", "check_error"])
        return domain
    domain.verified_at = domain.checked_at = now
    domain.check_error = ""
    audit(
        domain.organization,
        actor=actor,
        action="domain.verified",
        target=domain,
        details={"domain": domain.name},
    )
    return domain


def _check_failed(domain: Domain, error: Conflict) -> NoReturn:
    """Record when the domain was checked and what was wrong (in a transaction of its own, kept
    when the refusal is answered), then refuse with `error`."""
    domain.checked_at = timezone.now()
    domain.check_error = error.message[:_CHECK_ERROR_LENGTH]
    with transaction.atomic():
        Domain.objects.filter(pk=domain.pk).update(
            checked_at=domain.checked_at, check_error=domain.check_error
        )
    raise error


@transaction.atomic
def domain_set_policy(*, domain: Domain, actor: User | ApiKey, policy: object) -> Domain:
    """Choose what a verified domain does for people with an address on it: `suggest` (offered
    in the wizard) or `auto_join` (they join as members once their address is verified)."""
    require_role(actor, domain.organization, at_least=Role.ADMIN)
    chosen = clean_policy(policy)
    before = domain.policy
    if before == chosen:
        return domain
    domain.policy = chosen
    domain.save(update_fields=["policy"])
    audit(
        domain.organization,
        actor=actor,
        action="domain.policy_changed",
        target=domain,
        details={"domain": domain.name, "from": before, "to": chosen.value},
    )
    return domain


@transaction.atomic
def domain_remove(*, domain: Domain, actor: User | ApiKey) -> None:
    """Remove the domain: its policy stops applying (the members it brought in stay)."""
    require_role(actor, domain.organization, at_least=Role.ADMIN)
    audit(
        domain.organization,
        actor=actor,
        action="domain.removed",
        target=domain,
        details={"domain": domain.name},
    )
    domain.delete()

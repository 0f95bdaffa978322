"""Reading verified domains: an organization's own, whether another organization verified a
name, and which organizations a person may join by their email's domain."""

from __future__ import annotations

from django.db.models import QuerySet

from causeloop.core.tenancy import platform_lookup
from directory.models import Domain
from memberships.models import User
from memberships.verification import email_is_verified
from organizations.models import Organization
from organizations.selectors import owned_row
from organizations.validation import email_domain

EVERY_POLICY = (Domain.Policy.SUGGEST, Domain.Policy.AUTO_JOIN)


def domains_for(organization: Organization) -> QuerySet[Domain]:
    """The organization's domains, by name."""
    return Domain.objects.filter(organization_id=organization.pk).order_by("name", "id")


def domain_of(organization: Organization, domain_id: object) -> Domain:
    """One of the organization's domains; NotFound for any other ID, another tenant's too."""
    return owned_row(Domain, organization=organization, pk=domain_id)


def domain_verified_elsewhere(name: str, *, organization: Organization) -> bool:
    """Whether an organization other than `organization` has verified `name`."""
    with platform_lookup():  # the one verified owner may be any tenant
        return (
            Domain.objects.filter(name=name, verified_at__isnull=False)
            .exclude(organization_id=organization.pk)
            .exists()
        )


def domains_letting_in(
    user: User,
    *,
    policies: tuple[Domain.Policy, ...] = EVERY_POLICY,
    organization: Organization | None = None,
    members_too: bool = False,
) -> list[Domain]:
    """The verified domains, with their organizations, that let `user` in by their address:
    the address is verified, its domain is verified by an active organization (`organization`,
    when given) whose policy is one of `policies`, and the person is not a member there yet
    (unless `members_too`). One domain is verified by one organization at most, so this is one
    row or none: one query, and one for the address."""
    name = email_domain(user.email)
    if not name or not email_is_verified(user):
        return []
    domains = Domain.objects.select_related("organization").filter(
        name=name,
        verified_at__isnull=False,
        policy__in=policies,
        organization__status=Organization.Status.ACTIVE,
    )
    if organization is not None:
        domains = domains.filter(organization_id=organization.pk)
    if not members_too:
        domains = domains.exclude(organization__memberships__user=user)
    with platform_lookup():  # the organization is not the person's (yet): any tenant
        return list(domains.order_by("organization__name"))


def domain_suggestions_for(user: User) -> list[Domain]:
    """The organizations offered to `user` in the wizard ("People at acme.com use Acme"):
    those whose verified domain matches the person's verified address, policy `suggest` or
    `auto_join`, that the person is not a member of."""
    return domains_letting_in(user)


def domain_vouches_for(organization: Organization, email: str) -> bool:
    """Whether the organization has verified the domain of `email`: the company's consent to
    add that address's account (SPEC §8, §11)."""
    domain = email_domain(email)
    verified = Domain.objects.filter(organization=organization, verified_at__isnull=False)
    return bool(domain) and verified.filter(name=domain).exists()


def user_on_verified_domain(organization: Organization, email: str) -> User | None:
    """The account with address `email`, if that address is verified and its domain is verified
    by `organization`: a person the organization's admins may add directly (SPEC §11)."""
    if not domain_vouches_for(organization, email):
        return None
    user = User.objects.by_email(email)
    if user is None or not email_is_verified(user):
        return None
    return user

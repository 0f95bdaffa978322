"""People coming in by a verified domain (SPEC §11): accepting the wizard's suggestion, joining
automatically once their address is verified, and an admin adding them directly.

Every way needs a verified address: a domain vouches for the addresses on it only once the
person proved the address is theirs (allauth's confirmation link, an invitation used).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction

from causeloop.core.errors import Conflict, Forbidden, NotFound
from causeloop.core.tenancy import enter_tenant
from directory.models import Domain
from directory.selectors.domains import domains_letting_in, user_on_verified_domain
from memberships.models import Invitation, Membership, User
from memberships.services.invitations import invitation_create
from memberships.services.members import JoinWay, clean_role, ensure_can_grant, membership_join
from organizations.access import require_role
from organizations.models import ApiKey, Organization
from organizations.roles import INVITABLE_ROLES, Role
from organizations.validation import clean_email

logger = logging.getLogger(__name__)


@transaction.atomic
def domain_join(*, user: User, organization: Organization) -> Membership:
    """The person accepts the suggestion to join `organization` (the wizard): they join as a
    member, if its verified domain still lets them in."""
    if not domains_letting_in(user, organization=organization, members_too=True):
        raise NotFound(
            f"{organization.name} no longer offers to let you join by your email address.",
            code="domain_suggestion_not_found",
        )
    # Not the person's organization yet: their verified address on its domain is the right.
    enter_tenant(organization)
    return membership_join(
        organization=organization,
        user=user,
        role=Role.MEMBER,
        via=JoinWay.DOMAIN_POLICY,
        actor=user,
    )


@transaction.atomic
def domain_auto_join(*, user: User) -> list[Membership]:
    """Join every organization whose verified domain with policy `auto_join` matches the
    person's verified address, as a member. An organization that cannot take them now (no free
    seat, suspended or awaiting approval since) is skipped quietly, each in its own savepoint,
    so one refusal neither undoes another join nor the caller's work."""
    joined = []
    for domain in domains_letting_in(user, policies=(Domain.Policy.AUTO_JOIN,)):
        try:
            with transaction.atomic():
                enter_tenant(domain.organization)
                joined.append(
                    membership_join(
                        organization=domain.organization,
                        user=user,
                        role=Role.MEMBER,
                        via=JoinWay.DOMAIN_POLICY,
                        actor=user,
                    )
                )
        except (Conflict, Forbidden) as refused:
            logger.info(
                "%s did not join %s by its domain %s: %s",
                user.pk,
                domain.organization_id,
                domain.name,
                refused.code,
            )
    return joined


@dataclass(frozen=True)
class MemberAdded:
    """What `member_add_or_invite` did: added `membership` directly, or created `invitation`
    (whose link holds `token`, shown once)."""

    membership: Membership | None = None
    invitation: Invitation | None = None
    token: str = ""


@transaction.atomic
def member_add_or_invite(
    *, organization: Organization, actor: User | ApiKey, email: object, role: object
) -> MemberAdded:
    """Add the person directly when their verified address is on a domain this organization
    verified (the domain is the company's consent, SPEC §11); otherwise invite them, as
    `invitation_create` does. Either way admins only, a role no higher than the caller's and
    never owner."""
    actor_role = require_role(actor, organization, at_least=Role.ADMIN)
    address = clean_email(email)
    chosen = clean_role(role, allowed=INVITABLE_ROLES)
    ensure_can_grant(actor_role, chosen)
    user = user_on_verified_domain(organization, address)
    if user is None:
        invitation, token = invitation_create(
            organization=organization, actor=actor, email=address, role=chosen.value
        )
        return MemberAdded(invitation=invitation, token=token)
    membership = membership_join(
        organization=organization,
        user=user,
        role=chosen,
        via=JoinWay.DOMAIN,
        actor=actor,
        invited_by=actor if isinstance(actor, User) else None,
    )
    return MemberAdded(membership=membership)

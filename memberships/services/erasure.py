"""The right to be forgotten, with consent (SPEC §5 `/governance/rtbf/requests`, `DELETE /me`;
§8): nobody's account is changed or erased without their consent or a platform operator's
action.

- `account_erase`: the platform erases an account everywhere (a staff account only when a
  superuser acts);
- `account_erase_own`: a person erases their own account, proving it with their password;
- `member_erase`: an organization's admin forgets a person in that organization only — their
  membership and invitations there go, the organization's audit rows forget them — and the
  account itself is never touched.

Audit rows keep the action but lose the person, through `organizations.audit_rewrites` (one
owner-owned database function on PostgreSQL).
"""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from django.db import transaction

from causeloop.core.errors import Forbidden, NotFound
from causeloop.core.tenancy import enter_platform
from memberships.models import Invitation, Membership, PersonalToken, User
from memberships.services.active import membership_activate_next
from memberships.services.members import ensure_owner_remains, lock_organization
from organizations.access import ensure_role, require_role
from organizations.audit import audit
from organizations.audit_rewrites import forget_person
from organizations.models import ApiKey, Organization
from organizations.roles import Role
from organizations.validation import clean_email

Result = dict[str, Any]


@transaction.atomic
def account_erase(*, email: str, operator: User | None) -> Result:
    """The platform erases the account with this email, in every organization: name and
    email anonymised, memberships, tokens and invitations removed, audit rows forget them.
    `operator` is the staff member acting, None for the platform itself (the root key); a
    staff account is erased only when a superuser acts."""
    if operator is not None and not operator.is_staff:
        raise Forbidden("Erasing an account is a platform action.", code="permission_denied")
    email = clean_email(email)
    enter_platform()  # the person's rows in every organization
    user = User.objects.by_email(email)
    staff = user is not None and (user.is_staff or user.is_superuser)
    if staff and (operator is None or not operator.is_superuser):
        raise Forbidden(
            "A staff account is erased only by a superuser.", code="staff_account_protected"
        )
    return _erase_everywhere(email=email, user=user, actor=operator)


@transaction.atomic
def account_erase_own(*, user: User, password: object) -> Result:
    """The person erases their own account; their password proves it is them."""
    if not isinstance(password, str) or not user.check_password(password):
        raise Forbidden(
            "Wrong password: your account was not erased.",
            code="invalid_password",
            fields={"password": ["Wrong password."]},
        )
    enter_platform()  # their rows in every organization, which they may not all administer
    return _erase_everywhere(email=user.email, user=user, actor=user)


@transaction.atomic
def member_erase(*, organization: Organization, actor: User | ApiKey, email: str) -> Result:
    """Forget a person in `organization` only (admin+; owners only by owners): their
    membership and invitations there are removed and the organization's audit rows forget
    them. Their account, and their place in other organizations, stay as they are."""
    actor_role = require_role(actor, organization, at_least=Role.ADMIN)
    email = clean_email(email)
    lock_organization(organization)
    user = User.objects.by_email(email)
    membership = (
        Membership.objects.filter(organization=organization, user=user).first() if user else None
    )
    if membership is not None and membership.role == Role.OWNER:
        ensure_role(actor_role, at_least=Role.OWNER)
        ensure_owner_remains(organization, membership)
    invitations = Invitation.objects.addressed_to(email).filter(organization=organization)
    invitation_ids = list(invitations.values_list("pk", flat=True))
    invitations.delete()
    person_ids = [user.pk] if user else []
    if membership is not None:
        person_ids.append(membership.pk)  # before delete() forgets it
        audit(organization, actor=actor, action="member.erased", target=membership)
        membership.delete()
        membership_activate_next(user_id=membership.user_id)
    scrubbed = forget_person(
        organization_id=organization.pk, email=email, ids=[*person_ids, *invitation_ids]
    )
    if membership is None and not invitation_ids and not scrubbed:
        raise NotFound("No such person in this organization.", code="person_not_found")
    return {
        "status": "erased",
        "scope": "organization",
        "memberships_removed": int(membership is not None),
        "invitations_removed": len(invitation_ids),
        "audit_rows_scrubbed": scrubbed,
    }


def _erase_everywhere(*, email: str, user: User | None, actor: User | None) -> Result:
    memberships = list(
        Membership.objects.filter(user=user).select_related("organization") if user else []
    )
    for membership in memberships:
        lock_organization(membership.organization)
        ensure_owner_remains(membership.organization, membership)
    invitations = Invitation.objects.addressed_to(email)
    invitation_ids = list(invitations.values_list("pk", flat=True))
    invitations.delete()
    for membership in memberships:
        audit(membership.organization, actor=actor, action="member.erased", target=membership)
    Membership.objects.filter(pk__in=[m.pk for m in memberships]).delete()
    person_ids = [m.pk for m in memberships] + ([user.pk] if user else [])
    scrubbed = forget_person(organization_id=None, email=email, ids=[*person_ids, *invitation_ids])
    if user is None and not invitation_ids and not scrubbed:
        raise NotFound("No such person.", code="person_not_found")
    if user is not None:
        PersonalToken.objects.filter(user=user).delete()
        EmailAddress.objects.filter(user=user).delete()
        user.email = f"erased-{user.pk}@erased.invalid"
        user.name = ""
        user.is_active = False
        user.set_unusable_password()
        user.save()
    return {
        "status": "erased",
        "scope": "account",
        "memberships_removed": len(memberships),
        "invitations_removed": len(invitation_ids),
        "audit_rows_scrubbed": scrubbed,
    }

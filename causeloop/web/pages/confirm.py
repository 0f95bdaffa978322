"""Destructive actions ask first, in the same words with or without JavaScript.

A destructive button posts its form with the action's fields. Where JavaScript runs,
`confirm.js` stops the click and opens a `<dialog>` with the words the button carries
(`data-confirm-*`, from a `Confirmation`); confirming posts the form again with
`confirm=yes`. Without JavaScript the post arrives unconfirmed: the page answers with the
confirmation page (`pages/confirm.html`), which posts the same fields with `confirm=yes`.
Nothing changes until a post says `confirm=yes`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse

from causeloop.web.pages.base import OrganizationPage
from memberships.models import Invitation, InviteCode, Membership
from organizations.models import ApiKey, Integration, Organization, Template
from organizations.roles import Role
from webhooks.models import WebhookEndpoint
from webhooks.services.endpoints import PREVIOUS_SECRET_HOURS


@dataclass(frozen=True)
class Confirmation:
    """What a destructive action will do, said before it is done."""

    title: str  # the question: "Revoke the key “CI”?"
    message: str  # exactly what happens
    button: str  # the confirming button: "Revoke key"
    fields: tuple[tuple[str, str], ...]  # what the form posts (without `confirm`)


def confirmed(request: HttpRequest) -> bool:
    """Whether the post confirms its action (the dialog's or the confirmation page's button)."""
    return request.POST.get("confirm") == "yes"


def confirmation_page(page: OrganizationPage, confirmation: Confirmation) -> HttpResponse:
    """The question, asked on a page of its own (a post that came without `confirm=yes`)."""
    return page.page("pages/confirm.html", confirmation=confirmation, cancel=page.request.path)


# --- API keys ------------------------------------------------------------------------------


def revoke_key(api_key: ApiKey) -> Confirmation:
    return Confirmation(
        title=f"Revoke the key “{api_key.name}”?",
        message=f"Revoking “{api_key.name}” stops every request that uses it at once. "
        "This cannot be undone.",
        button="Revoke key",
        fields=(("action", "revoke"), ("key", api_key.pk)),
    )


def rotate_key(api_key: ApiKey, *, grace_period_hours: int = 0) -> Confirmation:
    """Rotating with the old key stopping at once, or after `grace_period_hours`."""
    if grace_period_hours:
        grace = f"{grace_period_hours} hour{'s' if grace_period_hours != 1 else ''}"
        old_key = (
            f"the old key keeps working for {grace} more, then stops: switch every client to "
            "the new key before then."
        )
    else:
        old_key = (
            "the old key stops working at once: every request that still uses it is refused "
            "until it uses the new key."
        )
    return Confirmation(
        title=f"Rotate the key “{api_key.name}”?",
        message=f"Rotating “{api_key.name}” makes a new key, shown once, and {old_key} "
        "This cannot be undone.",
        button="Rotate key",
        fields=(
            ("action", "rotate"),
            ("key", api_key.pk),
            ("grace_period_hours", str(grace_period_hours)),
        ),
    )


# --- templates -----------------------------------------------------------------------------


def delete_template(template: Template, organization: Organization) -> Confirmation:
    return Confirmation(
        title=f"Delete the template “{template.name}”?",
        message=f"Deleting “{template.name}” removes it for everyone in {organization.name}. "
        "This cannot be undone.",
        button="Delete template",
        fields=(("action", "delete"),),
    )


# --- integrations --------------------------------------------------------------------------


def remove_integration(integration: Integration, organization: Organization) -> Confirmation:
    return Confirmation(
        title=f"Remove the integration “{integration.name}”?",
        message=f"Removing “{integration.name}” erases its {integration.get_kind_display()} "
        f"credential (…{integration.last_four}) from {organization.name} at once: runs can no "
        "longer use it. Past runs keep their history. This cannot be undone.",
        button="Remove integration",
        fields=(("action", "delete"),),
    )


# --- webhooks -----------------------------------------------------------------------------


def rotate_webhook_secret(endpoint: WebhookEndpoint) -> Confirmation:
    return Confirmation(
        title="Rotate this endpoint's signing secret?",
        message=f"A new secret is made and shown once. The old one keeps signing beside it for "
        f"{PREVIOUS_SECRET_HOURS} hours, so {endpoint.url} keeps accepting events while you "
        "switch it over; after that only the new secret signs. This cannot be undone.",
        button="Rotate secret",
        fields=(("action", "rotate"),),
    )


def delete_webhook(endpoint: WebhookEndpoint) -> Confirmation:
    return Confirmation(
        title="Delete this webhook endpoint?",
        message=f"No more events are sent to {endpoint.url}, from now on, and its delivery log "
        "is erased. This cannot be undone.",
        button="Delete endpoint",
        fields=(("action", "delete"),),
    )


# --- members, invitations, invite codes ----------------------------------------------------


def _person(membership: Membership) -> str:
    user = membership.user
    return f"{user.display_name} ({user.email})" if user.name else user.email


def remove_member(membership: Membership, organization: Organization) -> Confirmation:
    person = _person(membership)
    return Confirmation(
        title=f"Remove {person} from {organization.name}?",
        message=f"{person} loses access to {organization.name} at once. "
        "To come back, they need a new invitation.",
        button="Remove member",
        fields=(("action", "remove"), ("membership", membership.pk)),
    )


def leave(membership: Membership, organization: Organization) -> Confirmation:
    return Confirmation(
        title=f"Leave {organization.name}?",
        message=f"You lose access to {organization.name} at once. "
        "To come back, you need a new invitation.",
        button="Leave organization",
        fields=(("action", "remove"), ("membership", membership.pk)),
    )


# What each role may do beyond the role below it (SPEC §2, "Roles and what they may do").
_ROLE_ADDS = {
    Role.ANALYST: "create and edit templates",
    Role.ADMIN: "change settings and branding, see the audit log, manage members, "
    "invitations, invite codes and API keys",
    Role.OWNER: "make or remove owners, transfer ownership or delete the organization",
}


def change_role(membership: Membership, role: Role, *, yourself: bool) -> Confirmation | None:
    """The question before a member goes down to `role`; None when nothing is taken away."""
    current = Role(membership.role)
    if role >= current:
        return None
    lost = ", or ".join(_ROLE_ADDS[r] for r in reversed(Role) if role < r <= current)
    article = "an" if role.label[0] in "AEIOU" else "a"
    if yourself:
        title = f"Make yourself {article} {role.label.lower()}?"
        message = (
            f"You will no longer be able to {lost}. You cannot give the role back to yourself."
        )
    else:
        person = _person(membership)
        title = f"Make {person} {article} {role.label.lower()}?"
        message = f"{person} will no longer be able to {lost}."
    return Confirmation(
        title=title,
        message=message,
        button=f"Change to {role.label.lower()}",
        fields=(("action", "change_role"), ("membership", membership.pk), ("role", role.value)),
    )


def revoke_invitation(invitation: Invitation) -> Confirmation:
    return Confirmation(
        title=f"Revoke the invitation for {invitation.email}?",
        message=f"The link sent to {invitation.email} stops working at once and its seat is "
        "free again. You can invite them again later.",
        button="Revoke invitation",
        fields=(("action", "revoke"), ("invitation", invitation.pk)),
    )


def deactivate_code(invite_code: InviteCode) -> Confirmation:
    return Confirmation(
        title=f"Deactivate the invite code {invite_code.code}?",
        message=f"Nobody can join with {invite_code.code} or its join link any more, from now "
        "on. People who already joined with it stay members. This cannot be undone.",
        button="Deactivate code",
        fields=(("action", "deactivate_code"), ("code", invite_code.pk)),
    )

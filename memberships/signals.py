"""Glue between django-allauth's accounts and the memberships: an invitation accepted at
sign-up, and a password reset that signs the person out everywhere. Connected in
`MembershipsConfig.ready`."""

from __future__ import annotations

from typing import Any

from allauth.account.signals import password_reset, user_signed_up
from django.contrib import messages
from django.dispatch import receiver
from django.http import HttpRequest

from causeloop.core.errors import DomainError
from causeloop.core.tenancy import enter_user
from memberships.forms import INVITATION_SESSION_KEY
from memberships.services.invitations import invitation_accept, invitation_by_token
from memberships.services.tokens import personal_tokens_revoke_all
from organizations.models import Organization

# Set on a request that said "Welcome to …": allauth's "Successfully signed in" stays unsaid.
WELCOMED = "causeloop_welcomed"


def welcome(request: HttpRequest, organization: Organization) -> None:
    """Greet a person who just joined `organization`, once: a sign-in in the same request (a
    sign-up from an invitation) adds no message of its own (`AccountAdapter.add_message`)."""
    messages.success(request, f"Welcome to {organization.name}.")
    setattr(request, WELCOMED, True)


def was_welcomed(request: HttpRequest) -> bool:
    return bool(getattr(request, WELCOMED, False))


@receiver(user_signed_up)
def accept_invitation_at_signup(request: HttpRequest, user: Any, **_kwargs: Any) -> None:
    """Someone who signed up from an invitation page lands in the organization."""
    token = request.session.pop(INVITATION_SESSION_KEY, None)
    if not token:
        return
    # The sign-up page is public, so nobody entered a context for the account it just made:
    # from now on in this request, the new account's own rows.
    enter_user(user)
    try:
        invitation = invitation_by_token(token)
        invitation_accept(invitation=invitation, user=user)
    except DomainError as error:
        messages.error(request, error.message)
        return
    welcome(request, invitation.organization)


@receiver(password_reset)
def sign_out_everywhere_after_reset(request: HttpRequest, user: Any, **_kwargs: Any) -> None:
    """Whoever knew the old password loses what it gave them: every session (Django ends them
    with the old password's hash) and every personal token."""
    personal_tokens_revoke_all(user=user, reason="password_reset")

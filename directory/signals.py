"""Glue between django-allauth and the directory, connected in `DirectoryConfig.ready`:
- a person whose address was just verified joins the organizations whose verified domain says
  `auto_join`;
- an account a directory made has no password, and its owner sets one with "Forgot password":
  the link they followed reached their address, which proves it."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.account.signals import email_confirmed, password_reset
from django.contrib import messages
from django.dispatch import receiver
from django.http import HttpRequest

from causeloop.core.tenancy import platform_lookup
from directory.models import DirectoryUser
from directory.services.domain_joins import domain_auto_join
from memberships.verification import mark_email_verified


@receiver(email_confirmed)
def join_by_domain_on_confirmation(
    request: HttpRequest | None, email_address: EmailAddress, **_kwargs: Any
) -> None:
    """The confirmation link was followed: the domain's `auto_join` applies now (and only to
    the account's own address, which is what the policies read)."""
    user = email_address.user
    if email_address.email.lower() != user.email.lower():
        return
    for membership in domain_auto_join(user=user):
        if request is not None:
            messages.success(
                request,
                f"Welcome to {membership.organization.name}: you joined it as a member, "
                "because your email address is on its verified domain.",
            )


@receiver(password_reset)
def verify_directory_address_on_reset(request: HttpRequest, user: Any, **_kwargs: Any) -> None:
    """A directory-made account's address counts as verified once its password was set by the
    link mailed to it (else signing in would ask for a second link)."""
    with platform_lookup():  # whichever organization's directory made it; none is entered
        made_by_a_directory = DirectoryUser.objects.filter(user=user, created_account=True).exists()
    if made_by_a_directory:
        mark_email_verified(user)

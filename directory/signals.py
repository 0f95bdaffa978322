"""Glue between django-allauth and the domain policies: a person whose address was just
verified joins the organizations whose verified domain says `auto_join`. Connected in
`DirectoryConfig.ready`."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.account.signals import email_confirmed
from django.contrib import messages
from django.dispatch import receiver
from django.http import HttpRequest

from directory.services.domain_joins import domain_auto_join


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

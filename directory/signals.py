"""Glue between django-allauth's accounts and the directory: an account a directory made has
no password, and its owner sets one with "Forgot password"; the link they followed reached
their address, which proves it (connected in `DirectoryConfig.ready`)."""

from __future__ import annotations

from typing import Any

from allauth.account.signals import password_reset
from django.dispatch import receiver
from django.http import HttpRequest

from causeloop.core.tenancy import platform_lookup
from directory.models import DirectoryUser
from memberships.verification import mark_email_verified


@receiver(password_reset)
def verify_directory_address_on_reset(request: HttpRequest, user: Any, **_kwargs: Any) -> None:
    """A directory-made account's address counts as verified once its password was set by the
    link mailed to it (else signing in would ask for a second link)."""
    with platform_lookup():  # whichever organization's directory made it; none is entered
        made_by_a_directory = DirectoryUser.objects.filter(user=user, created_account=True).exists()
    if made_by_a_directory:
        mark_email_verified(user)

"""Sending email in the background (django.tasks: immediate by default, django-tasks-db with
`manage.py db_worker` in production). A request only queues its mail, so a slow or dead mail
server never slows or fails it; invitations record how far their email got."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from causeloop.core.crypto import decrypt, encrypt, keyed_hashes
from causeloop.core.tenancy import platform_work
from memberships.links import invitation_url
from memberships.mail import Email, describe_failure, render_email
from memberships.models import Invitation

logger = logging.getLogger(__name__)


def queue_email(email: Email) -> None:
    """Send `email` from the background. With the database backend its task row is written in
    the current transaction, so a message about a change that rolls back is never sent. It
    travels encrypted: it may carry a one-time link (a password reset, a set-password link)."""
    send_email.enqueue(encrypt(json.dumps(asdict(email)).encode()).decode())


@task()
def send_email(sealed_email: str) -> None:
    """Send one queued message; a failure fails the task (the worker logs it)."""
    email = Email(**json.loads(decrypt(sealed_email.encode())))
    try:
        email.message().send()
    except Exception as error:
        logger.warning("Sending %r failed: %r", email.subject, error)
        raise


def queue_invitation_email(invitation: Invitation, token: str) -> None:
    """Mail the invitation's link from the background once the current transaction commits."""
    sealed = encrypt(token.encode()).decode()
    transaction.on_commit(lambda: send_invitation_email.enqueue(invitation.pk, sealed))


def invitation_email(invitation: Invitation, token: str) -> Email:
    """The invitation's message, with its accept link."""
    organization = invitation.organization
    return render_email(
        "invitation",
        to=invitation.email,
        subject=f"You are invited to join {organization.name} on Causeloop",
        context={
            "invitation": invitation,
            "organization": organization,
            "inviter": invitation.invited_by,
            "url": invitation_url(token),
        },
    )


@task()
def send_invitation_email(invitation_id: str, sealed_token: str) -> None:
    """Mail the invitation link and record the outcome on the invitation (sent, or failed and
    why). The token travels encrypted through the task queue."""
    token = decrypt(sealed_token.encode()).decode()
    token_hashes = keyed_hashes(token)  # the current master key's, or an old one's
    with platform_work():  # system work: no request, no tenant context of its own
        # Only the invitation's current link: once it is accepted, revoked or sent again with
        # a new link, this message has nothing left to say.
        invitation = (
            Invitation.objects.select_related("organization", "invited_by")
            .filter(pk=invitation_id, status=Invitation.Status.PENDING, token_hash__in=token_hashes)
            .first()
        )
    if invitation is None:
        return
    try:
        invitation_email(invitation, token).message().send()
    except Exception as error:
        logger.warning("Sending invitation %s failed: %r", invitation.pk, error)
        _record_delivery(invitation, Invitation.Delivery.FAILED, error=describe_failure(error))
        raise
    _record_delivery(invitation, Invitation.Delivery.SENT)


def _record_delivery(invitation: Invitation, delivery: str, *, error: str = "") -> None:
    with platform_work():
        # The same link only: a resend while this one was on its way keeps its own state.
        Invitation.objects.filter(pk=invitation.pk, token_hash=invitation.token_hash).update(
            delivery=delivery, delivery_error=error, delivery_at=timezone.now()
        )

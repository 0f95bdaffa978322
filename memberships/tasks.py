"""Background work for memberships (django.tasks: immediate by default, django-tasks-db in
production)."""

from django.conf import settings
from django.core.mail import send_mail
from django.tasks import task
from django.template.loader import render_to_string

from causeloop.core.crypto import decrypt
from causeloop.core.tenancy import platform_work
from memberships.links import invitation_url
from memberships.models import Invitation


@task()
def send_invitation_email(invitation_id: str, sealed_token: str) -> None:
    """Mail the invitation link. The token travels encrypted through the task queue."""
    with platform_work():  # system work: no request, no tenant context of its own
        invitation = (
            Invitation.objects.select_related("organization", "invited_by")
            .filter(pk=invitation_id, status=Invitation.Status.PENDING)
            .first()
        )
    if invitation is None:
        return
    token = decrypt(sealed_token.encode()).decode()
    context = {
        "invitation": invitation,
        "organization": invitation.organization,
        "inviter": invitation.invited_by,
        "url": invitation_url(token),
    }
    send_mail(
        subject=f"You are invited to join {invitation.organization.name} on Causeloop",
        message=render_to_string("emails/invitation.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[invitation.email],
    )

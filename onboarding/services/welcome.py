"""The email the owner of a client a platform operator onboarded receives, and the task that
queues a bulk onboarding batch's welcomes."""

from __future__ import annotations

from django.conf import settings
from django.tasks import task

from causeloop.core.tenancy import platform_work
from memberships.links import login_url, set_password_url
from memberships.mail import render_email
from memberships.models import User
from memberships.tasks import queue_email
from organizations.models import Organization


def owner_welcome_queue(*, owner: User, organization: Organization) -> None:
    """Queue the owner's welcome: a link to choose a password when the account has none yet,
    or else a note that they were added (it leaves with the onboarding's transaction)."""
    context = {"owner": owner, "organization": organization}
    if owner.has_usable_password():
        email = render_email(
            "owner_added",
            to=owner.email,
            subject=f"You are now an owner of {organization.name} on Causeloop",
            context={**context, "url": login_url()},
        )
    else:
        days = max(1, settings.PASSWORD_RESET_TIMEOUT // 86_400)
        email = render_email(
            "owner_welcome",
            to=owner.email,
            subject=f"Welcome to Causeloop: {organization.name} is ready for you",
            context={
                **context,
                "url": set_password_url(owner),
                "days": days,
                "login_url": login_url(),
            },
        )
    queue_email(email)


@task()
def send_owner_welcomes(owners_and_organizations: list[list[str]]) -> None:
    """Queue the welcome of each [owner ID, organization ID] a committed batch onboarded, as
    `onboard_client` queues one (so a batch's commit does not wait for mail to be rendered)."""
    with platform_work():  # system work: every tenant the batch touched
        owners = User.objects.in_bulk([owner_id for owner_id, _org in owners_and_organizations])
        organizations = Organization.objects.in_bulk(
            [org_id for _owner, org_id in owners_and_organizations]
        )
        for owner_id, org_id in owners_and_organizations:
            owner, organization = owners.get(owner_id), organizations.get(org_id)
            if owner is not None and organization is not None:  # not purged since
                owner_welcome_queue(owner=owner, organization=organization)

"""Many rows at once for the paging tests, written with `bulk_create` (a few queries whatever
the count), as the services would leave them."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from causeloop.core.crypto import encrypt
from directory.models import Domain
from memberships.models import Invitation, Membership, User
from organizations.models import ApiKey, Integration, Organization, Template, Workspace
from organizations.roles import Role
from webhooks.models import WebhookEndpoint
from webhooks.signing import new_secret


def members(
    organization: Organization, count: int, *, role: Role = Role.MEMBER, prefix: str = "person"
) -> list[Membership]:
    """`count` new people in `organization`, one second apart, earliest joined first; emails
    `{prefix}{n}@bulk.test`."""
    start = timezone.now() - timedelta(days=1)
    users = User.objects.bulk_create(
        [
            User(email=f"{prefix}{n}@bulk.test", name=f"{prefix.title()} {n}", password="!")
            for n in range(count)
        ]
    )
    return Membership.objects.bulk_create(
        [
            Membership(
                user=user,
                organization=organization,
                role=role,
                joined_at=start + timedelta(seconds=n),
            )
            for n, user in enumerate(users)
        ]
    )


def invitations(organization: Organization, count: int) -> list[Invitation]:
    """`count` pending invitations, one minute apart, newest first."""
    now = timezone.now()
    return Invitation.objects.bulk_create(
        [
            Invitation(
                organization=organization,
                email=f"invitee{n}@bulk.test",
                role=Role.MEMBER,
                token_hash=f"bulk-{organization.pk}-{n}",
                created_at=now - timedelta(minutes=n),
                expires_at=now + timedelta(days=7),
            )
            for n in range(count)
        ]
    )


def templates(organization: Organization, count: int) -> list[Template]:
    """`count` templates, in the order of their names."""
    return Template.objects.bulk_create(
        [
            Template(organization=organization, name=f"Template {n:04}", body="Hello")
            for n in range(count)
        ]
    )


def api_keys(organization: Organization, count: int) -> list[ApiKey]:
    """`count` working keys, one minute apart, newest first."""
    now = timezone.now()
    return ApiKey.objects.bulk_create(
        [
            ApiKey(
                organization=organization,
                name=f"Key {n:04}",
                key_hash=f"bulk-{organization.pk}-{n}",
                last_four=f"{n:04}"[-4:],
                created_at=now - timedelta(minutes=n),
            )
            for n in range(count)
        ]
    )


def integrations(organization: Organization, count: int) -> list[Integration]:
    """`count` integrations (no plan limit applies here), in the order of their names."""
    secret = encrypt(b"sk-bulk-0123456789")
    return Integration.objects.bulk_create(
        [
            Integration(
                organization=organization,
                name=f"Provider {n:04}",
                kind=Integration.Kind.OPENAI,
                credential=secret,
                last_four="6789",
            )
            for n in range(count)
        ]
    )


def domains(organization: Organization, count: int) -> list[Domain]:
    """`count` unverified domains, in the order of their names."""
    return Domain.objects.bulk_create(
        [Domain(organization=organization, name=f"d{n:04}.bulk.test") for n in range(count)]
    )


def webhook_endpoints(organization: Organization, count: int) -> list[WebhookEndpoint]:
    """`count` endpoints (no limit applies here), one second apart, oldest first."""
    secret = encrypt(new_secret().encode())
    start = timezone.now() - timedelta(days=1)
    return WebhookEndpoint.objects.bulk_create(
        [
            WebhookEndpoint(
                organization=organization,
                url=f"https://93.184.216.34/hooks/{n:04}",
                secret=secret,
                created_at=start + timedelta(seconds=n),
            )
            for n in range(count)
        ]
    )


def organizations_of(user: User, count: int, *, prefix: str = "Team") -> list[Membership]:
    """`count` new organizations `user` owns ("{prefix} 000" …), none of them active."""
    created = Organization.objects.bulk_create(
        [
            Organization(name=f"{prefix} {n:03}", slug=f"{prefix.lower()}-{n:03}")
            for n in range(count)
        ]
    )
    Workspace.objects.bulk_create(
        [Workspace(organization=org, name=org.name, slug=org.slug) for org in created]
    )
    return Membership.objects.bulk_create(
        [Membership(user=user, organization=org, role=Role.OWNER) for org in created]
    )

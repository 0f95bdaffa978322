"""A tenant with rows in every table beneath it, written with `bulk_create` (thousands of rows
in a few statements), for the purge's and the export's tests."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from causeloop.core.crypto import keyed_hash, random_secret
from directory.models import DirectoryUser, Domain, ScimToken
from memberships.models import Invitation, InviteCode, Membership, User
from organizations.models import (
    ApiKey,
    AuditLog,
    DataExport,
    Event,
    Integration,
    Organization,
    Run,
    Template,
    UsageDay,
)
from organizations.roles import Role
from webhooks.models import WebhookDelivery, WebhookEndpoint


def fill_tenant(organization: Organization, *, members: int = 300, audit_rows: int = 600) -> dict:
    """Rows of every kind beneath `organization`: `members` people (the first the owner, each
    active here), `audit_rows` audit rows, and tens of everything else. Returns what it made
    that a test looks at afterwards."""
    tag = organization.slug
    now = timezone.now()
    users = User.objects.bulk_create(
        [User(email=f"p{n}@{tag}.test", name=f"Person {n}", password="!") for n in range(members)]
    )
    Membership.objects.bulk_create(
        [
            Membership(
                organization=organization,
                user=user,
                role=Role.OWNER if n == 0 else Role.MEMBER,
                is_active=True,
                joined_at=now - timedelta(minutes=members - n),
            )
            for n, user in enumerate(users)
        ]
    )
    Invitation.objects.bulk_create(
        [
            Invitation(
                organization=organization,
                email=f"invited{n}@{tag}.test",
                token_hash=keyed_hash(random_secret()),
            )
            for n in range(20)
        ]
    )
    InviteCode.objects.bulk_create(
        [InviteCode(organization=organization, code=f"{tag.upper()[:10]}{n}") for n in range(3)]
    )
    keys = []
    for n in range(5):  # each rotated from the one before
        keys.append(
            ApiKey.objects.create(
                organization=organization,
                name=f"key {n}",
                key_hash=keyed_hash(random_secret()),
                last_four="abcd",
                rotated_from=keys[-1] if keys else None,
            )
        )
    Template.objects.bulk_create(
        [Template(organization=organization, name=f"Template {n}", body="x") for n in range(40)]
    )
    today = timezone.localdate()
    integration = Integration.objects.create(
        organization=organization, name="OpenAI", kind="openai", credential=b"x", last_four="abcd"
    )
    Run.objects.bulk_create(
        [
            Run(
                organization=organization,
                integration=integration,
                started_by_api_key=keys[-1],
                day=today,
                status=Run.Status.SUCCEEDED,
            )
            for _ in range(50)
        ]
    )
    UsageDay.objects.bulk_create(
        [
            UsageDay(
                organization=organization, day=timezone.localdate() - timedelta(days=n), runs=n
            )
            for n in range(30)
        ]
    )
    events = Event.objects.bulk_create(
        [Event(organization=organization, type="member.joined") for _ in range(100)]
    )
    endpoint = WebhookEndpoint.objects.create(
        organization=organization, url="https://hooks.example/x", secret=b""
    )
    WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(organization=organization, endpoint=endpoint, event=e) for e in events]
    )
    AuditLog.objects.bulk_create(
        [
            AuditLog(
                organization=organization,
                actor_user=users[n % members],
                actor_name=users[n % members].email,
                action="member.joined",
                created_at=now - timedelta(seconds=n),
            )
            for n in range(audit_rows)
        ]
    )
    Domain.objects.create(organization=organization, name=f"{tag}.example")
    ScimToken.objects.create(
        organization=organization, name="idp", key_hash=keyed_hash(random_secret()), last_four="x"
    )
    DirectoryUser.objects.bulk_create(
        [
            DirectoryUser(organization=organization, user=user, user_name=user.email)
            for user in users[:10]
        ]
    )
    name = default_storage.save(f"exports/{organization.pk}/old.json", ContentFile(b"{}"))
    DataExport.objects.create(
        organization=organization,
        requested_by=users[0],
        state=DataExport.State.READY,
        file_name=name,
        expires_at=now + timedelta(hours=1),
    )
    return {"users": users, "export_file": name}

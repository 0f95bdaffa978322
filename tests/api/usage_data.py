"""Integrations and runs for the usage API's tests, written straight to the database (no quota
applies), and a caller for each role."""

from datetime import timedelta

from django.utils import timezone

from causeloop.core.crypto import encrypt
from organizations.models import Integration, Run
from organizations.roles import Role
from organizations.services.plans import limits_override

CALLERS = ["member", "analyst", "admin", "owner", "api_key"]
WRITERS = {"admin", "owner", "api_key"}  # who may add, change and remove integrations


def client_for(caller, organization, *, as_user, as_key, make_member):
    """A client acting as `caller` (a role, or "api_key") in `organization`."""
    if caller == "api_key":
        return as_key(organization)
    return as_user(make_member(organization, Role(caller)))


def make_integration(organization, *, name="OpenAI production", secret="sk-test-0123456789abcd"):
    return Integration.objects.create(
        organization=organization,
        name=name,
        kind=Integration.Kind.OPENAI,
        credential=encrypt(secret.encode()),
        last_four=secret[-4:],
    )


def make_runs(organization, count, *, status=Run.Status.SUCCEEDED, **fields):
    """`count` past runs, one minute apart, newest first in the returned list."""
    now = timezone.now()
    runs = [
        Run(
            organization=organization,
            name=f"run {n}",
            status=status,
            day=(now - timedelta(minutes=n + 1)).date(),
            started_at=now - timedelta(minutes=n + 1),
            finished_at=None if status == Run.Status.RUNNING else now,
            **fields,
        )
        for n in range(count)
    ]
    return Run.objects.bulk_create(runs)


def roomy(organization, **limits):
    """Lift the plan's run and provider limits out of the way (the platform's override)."""
    defaults = {"daily": 10_000, "monthly": 100_000, "concurrent": 1_000, "providers": 50}
    limits_override(organization=organization, limits={**defaults, **limits})

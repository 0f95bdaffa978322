"""The demo data's part of SPEC §11: acme.test verified (suggest), an invite code with rules, and
the provisioned key rotated with a day's grace — once, however often the command runs."""

import io
from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone
from zeal import zeal_ignore

from directory.models import Domain
from memberships.models import InviteCode
from organizations.models import ApiKey


def test_seed_demo_shows_a_verified_domain_a_code_with_rules_and_a_key_in_its_grace(db):
    with zeal_ignore():
        call_command("seed_demo", stdout=io.StringIO())
        call_command("seed_demo", stdout=io.StringIO())
    domain = Domain.objects.get()
    assert (domain.organization.slug, domain.name, domain.policy) == (
        "acme",
        "acme.test",
        "suggest",
    )
    assert domain.is_verified
    code = InviteCode.objects.get()
    assert (code.role, code.max_uses, code.email_domain, code.uses) == (
        "analyst",
        10,
        "acme.test",
        0,
    )
    keys = ApiKey.objects.filter(organization=domain.organization)
    old = keys.get(revoked_at__isnull=True, rotated_from__isnull=True)
    new = keys.get(rotated_from=old)
    assert new.is_usable
    assert new.expires_at is None
    assert old.is_usable  # in its grace
    assert old.expires_at is not None
    left = old.expires_at - timezone.now()
    assert timedelta(hours=23) < left <= timedelta(hours=24)

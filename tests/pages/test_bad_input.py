"""No page answers 500, whatever is posted to it, and junk changes nothing."""

import pytest
from zeal import zeal_ignore

from memberships.models import Invitation, Membership
from organizations.models import ApiKey, Organization, Template

pytestmark = pytest.mark.django_db

PAGES = [
    "/admin/organization/",
    "/admin/branding/",
    "/admin/templates/",
    "/admin/members/",
    "/admin/api-keys/",
    "/admin/data/purge/",
    "/onboarding/organization/",
    "/onboarding/plan/",
    "/switch/",
    "/invitations/some-token-that-is-long/",
]
JUNK = [
    {},
    {"action": "nonsense"},
    {"action": "change_role", "membership": "x" * 5000, "role": "emperor"},
    {"action": "remove", "membership": "mem_\x00"},
    {"action": "revoke", "key": "", "invitation": "inv_0"},
    {"action": "rotate", "key": "key_" + "z" * 60},
    {"action": "invite", "email": "a@b.c" * 100, "role": "owner"},
    {"action": "create_code", "expires_in_days": "-5"},
    {"action": "transfer", "transfer-membership": "mem_x", "transfer-confirm": "nope"},
    {"action": "delete", "delete-confirm": "\x00"},
    {"action": "join", "code": "🙂" * 40},
    {"action": "create", "name": "\x07bell", "slug": "-bad-", "kind": "empire"},
    {"plan": "platinum"},
    {"primary_color": "red", "secondary_color": "#ffffff" * 50},
    {"name": "x" * 300, "kind": "prompt", "body": "\x00"},
    {"organization": "org_" + "0" * 100},
]


def _state():
    return (
        Organization.objects.count(),
        sorted(Membership.objects.values_list("role", flat=True)),
        Invitation.objects.count(),
        ApiKey.objects.filter(revoked_at__isnull=True).count(),
        Template.objects.count(),
        list(Organization.objects.values_list("name", "slug", "primary_color", "plan_id")),
    )


@pytest.mark.parametrize("path", PAGES)
def test_junk_never_breaks_a_page_or_changes_anything(client, organization, owner, path):
    with zeal_ignore():
        client.force_login(owner)
    before = _state()
    for data in JUNK:
        response = client.post(path, data)
        assert response.status_code < 500, (path, data)
    assert _state() == before

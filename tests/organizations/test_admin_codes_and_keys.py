"""The platform admin's invite codes and API keys (SPEC §11): a code's rules and uses and a
key's expiry are shown; the rules stay the organization's (read-only), a code is never made
here, and an operator may still deactivate one."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize
from zeal import zeal_ignore

from organizations.models import ApiKey
from tests.factories import ApiKeyFactory, InviteCodeFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def _cells(content: str, row_marker: str) -> str:
    """The change list's row that holds `row_marker`."""
    start = content.index(row_marker)
    return content[content.rindex("<tr", 0, start) : content.index("</tr>", start)]


def test_invite_codes_show_their_role_cap_uses_and_domain(staff_client):
    with zeal_ignore():
        code = InviteCodeFactory(
            organization=OrganizationFactory(slug="acme"),
            role="analyst",
            max_uses=5,
            uses=3,
            email_domain="acme.com",
        )
    page = staff_client.get(reverse("admin:memberships_invitecode_changelist"))
    headers = page.content.decode()
    for title in ("Role", "Uses", "Max uses", "Email domain"):
        assert f">{title}</a>" in headers, title
    row = _cells(headers, code.code)
    for cell in ("Analyst", ">3<", ">5<", "acme.com"):
        assert cell in row, cell
    filtered = staff_client.get(
        reverse("admin:memberships_invitecode_changelist"), {"q": "acme.com"}
    )
    assert code.code in filtered.content.decode()


def test_a_codes_rules_are_read_only_and_codes_are_made_by_organizations(staff_client):
    with zeal_ignore():
        code = InviteCodeFactory(organization=OrganizationFactory(), max_uses=2, uses=1)
    url = reverse("admin:memberships_invitecode_change", args=[code.pk])
    form = staff_client.get(url).context["adminform"].form
    assert not {"role", "max_uses", "uses", "email_domain", "code"} & set(form.fields)
    assert {"is_active", "expires_at"} <= set(form.fields)
    assert staff_client.get(reverse("admin:memberships_invitecode_add")).status_code == 403
    expires = code.expires_at
    response = staff_client.post(
        url,
        {
            "organization": code.organization_id,
            "is_active": "",
            "expires_at_0": expires.strftime("%Y-%m-%d"),
            "expires_at_1": expires.strftime("%H:%M:%S"),
            # Not fields of the form: ignored.
            "role": "owner",
            "uses": "0",
            "max_uses": "1000",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    code.refresh_from_db()
    assert (code.is_active, code.role, code.uses, code.max_uses) == (False, "member", 1, 2)


def test_api_keys_show_when_they_stop_working(staff_client):
    stops = timezone.now() + timedelta(hours=5)
    with zeal_ignore():
        key = ApiKeyFactory(organization=OrganizationFactory(), name="in-grace", expires_at=stops)
    content = staff_client.get(reverse("admin:organizations_apikey_changelist")).content.decode()
    assert ">Expires at</a>" in content
    row = _cells(content, "in-grace")
    assert key.pk in row
    assert localize(timezone.localtime(stops)) in row
    assert ApiKey.objects.get(pk=key.pk).state == ApiKey.State.EXPIRING

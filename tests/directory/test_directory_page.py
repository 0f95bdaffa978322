"""`/admin/directory/`: admins and owners see the SCIM base URL, create tokens (shown once),
revoke them after a confirmation, and see the directory's people a page at a time with their
state; analysts and members are refused; another tenant's tokens are 404."""

import re

import pytest
from zeal import zeal_ignore

from directory.models import DirectoryUser, ScimToken
from directory.services.scim_tokens import scim_token_create
from organizations.models import AuditLog
from organizations.roles import Role
from tests.factories import UserFactory, member_of, organization_with_owner

pytestmark = pytest.mark.django_db

PAGE = "/admin/directory/"


@pytest.fixture
def signed_in(client):
    def sign_in(user):
        with zeal_ignore():  # signing in is the test's setup
            client.force_login(user)
        return client

    return sign_in


def _text(response):
    return response.content.decode()


@pytest.mark.parametrize("role", [Role.ADMIN, Role.OWNER])
def test_admins_see_the_base_url_the_tokens_and_the_form(signed_in, acme, role):
    organization, owner = acme
    token, secret = scim_token_create(organization=organization, actor=owner, name="Okta")
    response = signed_in(member_of(organization, role)).get(PAGE)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = _text(response)
    assert 'value="http://testserver/scim/v2/"' in html
    assert "Okta" in html
    assert f"…{token.last_four}" in html
    assert secret not in html
    assert "Create token</button>" in html
    assert 'href="/admin/domains/" aria-current="page">Directory</a>' in html  # navigation
    assert 'href="/admin/directory/" aria-current="page">Directory sync (SCIM)</a>' in html  # tab
    assert "Nobody yet: people appear here once your identity provider syncs them." in html


@pytest.mark.parametrize("role", [Role.MEMBER, Role.ANALYST])
def test_members_and_analysts_are_refused(signed_in, acme, role):
    organization, owner = acme
    token, _secret = scim_token_create(organization=organization, actor=owner, name="Okta")
    client = signed_in(member_of(organization, role))
    assert 'href="/admin/directory/"' not in _text(client.get("/"))
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"action": "create", "name": "Mine"}).status_code == 403
    assert (
        client.post(PAGE, {"action": "revoke", "token": token.pk, "confirm": "yes"}).status_code
        == 403
    )
    assert ScimToken.objects.count() == 1
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_new_token_is_shown_once(signed_in, acme):
    organization, owner = acme
    client = signed_in(owner)
    response = client.post(PAGE, {"action": "create", "name": "Entra ID"})
    assert response.status_code == 302
    html = _text(client.get(PAGE))
    secret = re.search(r'value="(scim_[^"]+)"', html)[1]
    token = ScimToken.objects.get(organization=organization)
    assert token.last_four == secret[-4:]
    assert token.created_by == owner
    assert "it is shown only this once" in html
    assert secret not in _text(client.get(PAGE))  # once
    assert AuditLog.objects.filter(organization=organization, action="scim_token.created").exists()


def test_a_bad_name_is_shown_next_to_its_field(signed_in, acme):
    response = signed_in(acme[1]).post(PAGE, {"action": "create", "name": ""})
    assert response.status_code == 400
    assert "This field is required." in _text(response)
    assert not ScimToken.objects.exists()


def test_revoking_asks_first_then_revokes(signed_in, acme):
    organization, owner = acme
    token, _secret = scim_token_create(organization=organization, actor=owner, name="Okta")
    client = signed_in(owner)
    question = client.post(PAGE, {"action": "revoke", "token": token.pk})
    assert question.status_code == 200
    assert "Revoke the SCIM token “Okta”?" in _text(question)
    token.refresh_from_db()
    assert token.revoked_at is None
    done = client.post(PAGE, {"action": "revoke", "token": token.pk, "confirm": "yes"})
    assert done.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    html = _text(client.get(PAGE))
    assert '<span class="badge">revoked</span>' in html


def test_another_tenants_token_is_404(signed_in, acme):
    other, other_owner = organization_with_owner()
    theirs, _secret = scim_token_create(organization=other, actor=other_owner, name="Theirs")
    client = signed_in(acme[1])
    for data in (
        {"action": "revoke", "token": theirs.pk, "confirm": "yes"},
        {"action": "revoke", "token": theirs.pk},
        {"action": "revoke", "token": "nope"},
    ):
        assert client.post(PAGE, data).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert "Theirs" not in _text(client.get(PAGE))


def test_the_people_a_page_at_a_time_with_their_state(signed_in, acme):
    organization, owner = acme
    accounts = UserFactory.create_batch(27)
    DirectoryUser.objects.bulk_create(
        DirectoryUser(
            organization=organization,
            user=account,
            user_name=f"person{n:02d}@acme.test",
            active=n % 2 == 0,
            role=Role.ANALYST,
        )
        for n, account in enumerate(accounts)
    )
    client = signed_in(owner)
    first = _text(client.get(PAGE))
    assert "27 people, 14 active." in first
    assert (
        first.count('<span class="badge badge--ok">Active</span>')
        + first.count('<span class="badge badge--warning">Deactivated</span>')
        == 25
    )
    assert "Analysts" in first
    older = re.search(r'href="\?(after=[^"]+)" rel="next"', first)[1]
    second = _text(client.get(f"{PAGE}?{older.replace('&amp;', '&')}"))
    assert second.count("person") >= 2
    assert 'rel="prev"' in second
    broken = client.get(f"{PAGE}?after=nonsense")
    assert broken.status_code == 400
    assert "broken or out of date" in _text(broken)

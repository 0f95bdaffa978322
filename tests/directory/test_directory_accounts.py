"""The accounts a directory makes: no password until their owner sets one with "Forgot
password", whose link proves the address, so the person is signed in straight into the
organization; and the platform admin's read-only view of tokens and directory people."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from directory.models import DirectoryUser, ScimToken
from tests.directory.conftest import new_user
from tests.factories import UserFactory, member_of

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-new-passphrase-9"


def _reset_password(client, email):
    client.post("/password/reset/", {"email": email})
    link = re.search(r"https?://\S+(/password/reset/key/\S+/)", mail.outbox[-1].body).group(1)
    form_page = client.get(link, follow=True)
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    return client.post(action, {"password1": PASSWORD, "password2": PASSWORD})


def test_the_person_sets_a_password_by_the_reset_link_and_lands_in_the_organization(
    scim, acme, client
):
    scim.post("/Users", new_user("ada@acme.test", displayName="Ada"))
    account = DirectoryUser.objects.get(user_name="ada@acme.test").user
    assert not account.has_usable_password()
    done = _reset_password(client, "ada@acme.test")
    assert done.status_code == 302
    account.refresh_from_db()
    assert account.check_password(PASSWORD)
    assert EmailAddress.objects.get(user=account).verified
    home = client.get("/")
    assert home.status_code == 200  # signed in, no second link to follow
    assert acme[0].name in home.content.decode()


def test_a_reset_verifies_nothing_for_accounts_no_directory_made(scim, acme, client):
    person = UserFactory(email="self@acme.test", verified_email=False)
    member_of(acme[0], email="taken@acme.test")
    scim.post("/Users", new_user("taken@acme.test"))  # taken over, not made
    _reset_password(client, "self@acme.test")
    assert not EmailAddress.objects.get(user=person).verified


def test_the_platform_admin_shows_tokens_without_their_hash_and_changes_nothing(
    staff_client, scim, acme, token_and_secret
):
    token, secret = token_and_secret
    scim.post("/Users", new_user("ada@acme.test"))
    person = DirectoryUser.objects.get()
    tokens = staff_client.get("/platform-admin/directory/scimtoken/")
    assert tokens.status_code == 200
    html = tokens.content.decode()
    assert "Okta" in html
    assert f"…{token.last_four}" in html
    assert token.key_hash not in html
    detail = staff_client.get(f"/platform-admin/directory/scimtoken/{token.pk}/change/")
    assert detail.status_code == 200
    assert token.key_hash not in detail.content.decode()
    assert secret not in detail.content.decode()
    people = staff_client.get("/platform-admin/directory/directoryuser/")
    assert people.status_code == 200
    assert "ada@acme.test" in people.content.decode()
    assert staff_client.get("/platform-admin/directory/scimtoken/add/").status_code == 403
    deleted = staff_client.post(
        f"/platform-admin/directory/directoryuser/{person.pk}/delete/", {"post": "yes"}
    )
    assert deleted.status_code == 403
    assert DirectoryUser.objects.filter(pk=person.pk).exists()
    assert ScimToken.objects.get(pk=token.pk).revoked_at is None

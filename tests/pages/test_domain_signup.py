"""Domain policies at sign-up, driven through allauth for real: sign up at /signup/, read the
confirmation mail, follow its link. `auto_join` takes a person in once the link is followed —
not before, not for a suspended organization; `suggest` offers the organization in the wizard
(verified addresses only), where one click (a POST with its CSRF token) joins it."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from zeal import zeal_ignore

from directory.models import Domain
from memberships.models import Membership, User
from organizations.models import AuditLog, Organization
from organizations.roles import Role
from tests.directory.domain_data import make_domain
from tests.factories import OrganizationFactory, UserFactory, member_of

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-and-new-password-42"
WIZARD = "/onboarding/organization/"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


@pytest.fixture
def acme():
    organization = OrganizationFactory(name="Acme", slug="acme")
    member_of(organization, Role.OWNER)
    return organization


def sign_up(client: Client, email: str) -> User:
    with zeal_ignore():  # allauth's sign-up, as a browser does it
        response = client.post("/signup/", {"name": "Dana", "email": email, "password1": PASSWORD})
    assert response.status_code == 302, response.content
    return User.objects.get(email=email)


def follow_confirmation(client: Client) -> str:
    """GET the link of the last mail, then POST its form (allauth's confirmation page)."""
    path = re.search(r"https?://[^/\s]+(/confirm-email/\S+/)", mail.outbox[-1].body).group(1)
    with zeal_ignore():
        assert client.get(path).status_code == 200
        response = client.post(path)
    assert response.status_code == 302, response.content
    return response["Location"]


def test_auto_join_takes_a_person_in_once_their_address_is_verified(client, acme):
    make_domain(acme, "acme.test", verified=True, policy=Domain.Policy.AUTO_JOIN)
    person = sign_up(client, "dana@acme.test")
    assert not Membership.objects.filter(user=person).exists()  # not before the link
    landing = follow_confirmation(client)
    membership = Membership.objects.get(user=person)
    assert (membership.organization, membership.role, membership.is_active) == (
        acme,
        "member",
        True,
    )
    assert AuditLog.objects.get(action="member.joined", organization=acme).details == {
        "email": "dana@acme.test",
        "role": "member",
        "via": "domain_policy",
    }
    with zeal_ignore():
        home = client.get(landing, follow=True)
    assert home.status_code == 200
    page = home.content.decode()
    assert "Acme" in page
    assert "you joined it as a member, because your email address is on its verified" in page


def test_without_following_the_link_nobody_joins(client, acme):
    make_domain(acme, "acme.test", verified=True, policy=Domain.Policy.AUTO_JOIN)
    person = sign_up(client, "dana@acme.test")
    with zeal_ignore():
        signed_in = client.post("/login/", {"login": "dana@acme.test", "password": PASSWORD})
    assert signed_in["Location"] != "/"  # still the "verify your address" step
    assert not Membership.objects.filter(user=person).exists()


@pytest.mark.parametrize("status", [Organization.Status.SUSPENDED, Organization.Status.PENDING])
def test_auto_join_passes_over_an_organization_that_takes_nobody_in(client, acme, status):
    make_domain(acme, "acme.test", verified=True, policy=Domain.Policy.AUTO_JOIN)
    Organization.objects.filter(pk=acme.pk).update(status=status)
    person = sign_up(client, "dana@acme.test")
    follow_confirmation(client)
    assert not Membership.objects.filter(user=person).exists()


def test_a_suggestion_is_offered_in_the_wizard_and_joined_in_one_click(acme):
    make_domain(acme, "acme.test", verified=True)
    browser = Client()
    person = sign_up(browser, "dana@acme.test")
    follow_confirmation(browser)
    browser.handler.enforce_csrf_checks = True  # from here on, as a browser's forms are checked
    assert not Membership.objects.filter(user=person).exists()  # suggest: offered, not joined
    with zeal_ignore():
        wizard = browser.get(WIZARD)
    page = wizard.content.decode()
    assert "People at acme.test use Acme" in page
    assert "Join Acme</button>" in page
    assert "Or create an organization" in page

    form = {"action": "domain_join", "organization": acme.pk}
    with zeal_ignore():
        forged = browser.post(WIZARD, form)  # no CSRF token: refused
    assert forged.status_code == 403
    assert not Membership.objects.filter(user=person).exists()

    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    with zeal_ignore():
        joined = browser.post(WIZARD, {**form, "csrfmiddlewaretoken": token})
    assert (joined.status_code, joined["Location"]) == (302, "/")
    membership = Membership.objects.get(user=person)
    assert (membership.organization, membership.role, membership.is_active) == (
        acme,
        "member",
        True,
    )


def test_no_suggestion_for_an_unverified_address(signed_in, acme):
    make_domain(acme, "acme.test", verified=True)
    person = UserFactory(email="dana@acme.test", verified_email=False)
    client = signed_in(person)
    with zeal_ignore():
        page = client.get(WIZARD).content.decode()
        refused = client.post(WIZARD, {"action": "domain_join", "organization": acme.pk})
    assert "People at acme.test" not in page
    assert refused.status_code == 302
    assert not Membership.objects.filter(user=person).exists()


def test_an_organization_not_offered_is_not_joined_by_a_forged_post(signed_in, acme):
    make_domain(acme, "acme.test", verified=True)
    other = OrganizationFactory(name="Other")
    person = UserFactory(email="dana@acme.test")
    client = signed_in(person)
    for reference in (other.pk, "org_nope", "", "x" * 500):
        with zeal_ignore():
            response = client.post(
                WIZARD, {"action": "domain_join", "organization": reference}, follow=True
            )
        assert "is not offered to you" in response.content.decode()
    assert not Membership.objects.filter(user=person).exists()


def test_a_full_organization_says_so_in_the_persons_words(signed_in, acme):
    make_domain(acme, "acme.test", verified=True)
    Organization.objects.filter(pk=acme.pk).update(seats=1)
    person = UserFactory(email="dana@acme.test")
    with zeal_ignore():
        response = signed_in(person).post(
            WIZARD, {"action": "domain_join", "organization": acme.pk}, follow=True
        )
    assert "has no free seat for you" in response.content.decode()
    assert not Membership.objects.filter(user=person).exists()

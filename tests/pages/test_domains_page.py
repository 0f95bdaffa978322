"""`/admin/domains/`: admins and owners see their domains with the TXT record to publish (name
and value, with copy buttons), add one (bad input said next to the field, changing nothing),
verify it through the DNS server on loopback (the lookup's words when it fails), change its
policy and remove it after confirming; members and analysts are refused; another tenant's
domains are 404 whatever the role. And the members page adds a verified domain's people
directly, saying so."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from zeal import zeal_ignore

from directory.models import Domain
from memberships.models import Invitation, Membership
from organizations.roles import Role
from tests.directory.dns_server import dns_server  # noqa: F401  (a fixture)
from tests.directory.domain_data import make_domain
from tests.factories import OrganizationFactory, UserFactory, member_of

pytestmark = pytest.mark.django_db

PAGE = "/admin/domains/"


@pytest.fixture
def acme():
    organization = OrganizationFactory(name="Acme")
    owner = member_of(organization, Role.OWNER)
    domain = make_domain(organization, "acme.test")
    return organization, owner, domain


def text(response) -> str:
    return response.content.decode()


def state(organization):
    return sorted(
        Domain.objects.filter(organization=organization).values_list(
            "pk", "name", "policy", "verified_at", "checked_at", "check_error"
        )
    )


def every_post(domain):
    return [
        {"action": "add", "domain": "new.test", "policy": "suggest"},
        {"action": "verify", "domain": domain.pk},
        {"action": "policy", "domain": domain.pk, f"{domain.pk}-policy": "auto_join"},
        {"action": "remove", "domain": domain.pk},
        {"action": "remove", "domain": domain.pk, "confirm": "yes"},
    ]


# --- who may ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.ADMIN, Role.OWNER])
def test_admins_see_the_domains_and_the_record_to_publish(signed_in, acme, role):
    organization, _owner, domain = acme
    make_domain(organization, "verified.test", verified=True, policy="auto_join")
    html = text(signed_in(member_of(organization, role)).get(PAGE))
    assert '<h3 class="domain__name">acme.test</h3>' in html
    assert '<span class="badge badge--warning">Pending</span>' in html
    assert '<span class="badge badge--ok">Verified</span>' in html
    assert (
        f'id="txt-name-{domain.pk}" class="secret__value" type="text" readonly value="acme.test"'
        in html
    )
    assert f'readonly value="causeloop-verification={domain.token}"' in html
    assert f'data-copy="#txt-value-{domain.pk}"' in html
    assert 'value="auto_join" selected' in html  # the verified domain's policy
    assert "Add domain</button>" in html
    assert 'href="/admin/domains/" aria-current="page">Directory</a>' in html  # navigation
    assert 'href="/admin/domains/" aria-current="page">Domains</a>' in html  # its tab


@pytest.mark.parametrize("role", [Role.MEMBER, Role.ANALYST])
def test_members_and_analysts_are_refused_the_page_and_every_post(signed_in, acme, role):
    organization, _owner, domain = acme
    client = signed_in(member_of(organization, role))
    assert 'href="/admin/domains/"' not in text(client.get("/"))
    before = state(organization)
    assert client.get(PAGE).status_code == 403
    for data in every_post(domain):
        response = client.post(PAGE, data)
        assert response.status_code == 403, data
        assert domain.token not in text(response)
    assert state(organization) == before


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("role", list(Role))
def test_another_tenants_domain_is_404_whatever_the_role(signed_in, acme, role):
    theirs, _their_owner, domain = acme
    mine = OrganizationFactory()
    client = signed_in(member_of(mine, role))
    before = state(theirs)
    for data in every_post(domain)[1:]:
        response = client.post(PAGE, data)
        assert response.status_code in (403, 404), data
        if role >= Role.ADMIN:
            assert response.status_code == 404, data
    assert state(theirs) == before
    if role >= Role.ADMIN:
        html = text(client.get(PAGE))
        assert "acme.test" not in html
        assert "No domains yet." in html


@pytest.mark.parametrize("reference", ["dom_nope", "", "x" * 500])
def test_a_domain_that_does_not_exist_is_404(signed_in, acme, reference):
    _organization, owner, _domain = acme
    client = signed_in(owner)
    for action in ("verify", "policy", "remove"):
        assert client.post(PAGE, {"action": action, "domain": reference}).status_code == 404


def test_an_unknown_action_is_a_bad_request(signed_in, acme):
    _organization, owner, _domain = acme
    assert signed_in(owner).post(PAGE, {"action": "steal"}).status_code == 400


def test_the_page_costs_the_same_queries_at_any_size(signed_in, acme):
    organization, owner, _domain = acme
    client = signed_in(owner)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(PAGE).status_code == 200
        return len(captured)

    few = queries()
    for n in range(15):
        make_domain(organization, f"d{n}.test", verified=n % 2 == 0)
    assert queries() == few
    assert few <= 14


# --- adding -----------------------------------------------------------------------------------


def test_an_admin_adds_a_domain(signed_in, acme):
    organization, _owner, _domain = acme
    client = signed_in(member_of(organization, Role.ADMIN))
    response = client.post(PAGE, {"action": "add", "domain": "Beta.TEST", "policy": "auto_join"})
    assert (response.status_code, response["Location"]) == (302, PAGE)
    added = Domain.objects.get(name="beta.test")
    assert (added.policy, added.is_verified) == ("auto_join", False)
    with zeal_ignore():
        html = text(client.get(PAGE))
    assert "Domain beta.test added. Publish its TXT record" in html
    assert f'value="causeloop-verification={added.token}"' in html


@pytest.mark.parametrize(
    ("data", "status", "words"),
    [
        ({"domain": ""}, 400, "This field is required."),
        ({"domain": "not a domain"}, 400, "is not a domain name such as acme.com"),
        ({"domain": "gmail.com"}, 400, "is a public email provider&#x27;s domain"),
        ({"domain": "acme.test"}, 409, "acme.test is already one of this organization&#x27;s"),
        ({"domain": "ok.test", "policy": "everyone"}, 400, "Select a valid choice."),
    ],
)
def test_bad_input_is_said_next_to_the_field_and_changes_nothing(
    signed_in, acme, data, status, words
):
    organization, owner, _domain = acme
    before = state(organization)
    response = signed_in(owner).post(PAGE, {"action": "add", "policy": "suggest", **data})
    assert response.status_code == status
    html = text(response)
    assert words in html
    assert 'class="field field--error"' in html
    assert state(organization) == before


def test_a_domain_another_organization_verified_is_refused(signed_in, acme):
    organization, owner, _domain = acme
    make_domain(OrganizationFactory(), "taken.test", verified=True)
    response = signed_in(owner).post(
        PAGE, {"action": "add", "domain": "taken.test", "policy": "suggest"}
    )
    assert response.status_code == 409
    assert "Another organization has already verified taken.test" in text(response)
    assert not Domain.objects.filter(organization=organization, name="taken.test").exists()


# --- verifying, policy, removal ---------------------------------------------------------------


def test_verify_says_what_dns_holds_then_verifies(dns_server, signed_in, acme):  # noqa: F811
    _organization, owner, domain = acme
    client = signed_in(owner)
    dns_server.publish("acme.test", "v=spf1 -all")
    response = client.post(PAGE, {"action": "verify", "domain": domain.pk})
    assert (response.status_code, response["Location"]) == (302, PAGE)
    domain.refresh_from_db()
    assert not domain.is_verified
    assert 'Found: "v=spf1 -all"' in domain.check_error
    with zeal_ignore():
        html = text(client.get(PAGE))
    assert "acme.test is not verified: acme.test has TXT records, but not" in html  # the message
    assert 'class="message message--warning domain__check">Checked' in html  # and on the row

    dns_server.publish("acme.test", domain.txt_record)
    client.post(PAGE, {"action": "verify", "domain": domain.pk})
    domain.refresh_from_db()
    assert domain.is_verified
    with zeal_ignore():
        html = text(client.get(PAGE))
    assert "acme.test is verified. People who sign up with an address on acme.test" in html
    assert f'value="causeloop-verification={domain.token}"' not in html  # nothing to publish


def test_verify_is_rate_limited_with_a_message(dns_server, signed_in, acme, settings):  # noqa: F811
    _organization, owner, domain = acme
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "domain_verify": "1/h/key"}
    client = signed_in(owner)
    client.post(PAGE, {"action": "verify", "domain": domain.pk})  # the one allowed: not there
    dns_server.publish("acme.test", domain.txt_record)
    response = client.post(PAGE, {"action": "verify", "domain": domain.pk})
    assert (response.status_code, response["Location"]) == (302, PAGE)
    domain.refresh_from_db()
    assert not domain.is_verified  # refused before any lookup
    with zeal_ignore():
        html = text(client.get(PAGE))
    assert "acme.test is not verified: Too many attempts. Wait" in html


def test_the_policy_changes(signed_in, acme):
    _organization, owner, domain = acme
    client = signed_in(owner)
    response = client.post(
        PAGE, {"action": "policy", "domain": domain.pk, f"{domain.pk}-policy": "auto_join"}
    )
    assert response.status_code == 302
    domain.refresh_from_db()
    assert domain.policy == "auto_join"
    bad = client.post(
        PAGE, {"action": "policy", "domain": domain.pk, f"{domain.pk}-policy": "everyone"}
    )
    assert bad.status_code == 302
    domain.refresh_from_db()
    assert domain.policy == "auto_join"


def test_removing_asks_first(signed_in, acme):
    _organization, owner, domain = acme
    client = signed_in(owner)
    asked = client.post(PAGE, {"action": "remove", "domain": domain.pk})
    assert asked.status_code == 200
    assert "Remove the domain acme.test?" in text(asked)
    assert Domain.objects.filter(pk=domain.pk).exists()
    done = client.post(PAGE, {"action": "remove", "domain": domain.pk, "confirm": "yes"})
    assert done.status_code == 302
    assert not Domain.objects.filter(pk=domain.pk).exists()


# --- the members page: added directly, or invited ---------------------------------------------


def test_the_members_page_adds_a_verified_domains_person_directly(signed_in, acme):
    organization, owner, domain = acme
    Domain.objects.filter(pk=domain.pk).update(verified_at=domain.created_at)
    person = UserFactory(email="dana@acme.test")
    client = signed_in(owner)
    response = client.post(
        "/admin/members/", {"action": "invite", "email": "dana@acme.test", "role": "analyst"}
    )
    assert response.status_code == 302
    assert Membership.objects.get(organization=organization, user=person).role == "analyst"
    assert not Invitation.objects.exists()
    with zeal_ignore():
        html = text(client.get("/admin/members/"))
    assert "dana@acme.test added directly, as analyst" in html
    assert "verified domains</a> is added directly" in html


def test_the_members_page_invites_anyone_else(signed_in, acme):
    organization, owner, _domain = acme  # acme.test is only pending
    UserFactory(email="dana@acme.test")
    client = signed_in(owner)
    client.post(
        "/admin/members/", {"action": "invite", "email": "dana@acme.test", "role": "member"}
    )
    assert Invitation.objects.get().email == "dana@acme.test"
    assert not Membership.objects.filter(organization=organization, user__email="dana@acme.test")
    with zeal_ignore():
        assert "Invitation queued for dana@acme.test." in text(client.get("/admin/members/"))

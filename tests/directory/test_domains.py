"""The domain services: who may add, verify, change and remove a domain; what is refused (bad
names, free-mail providers, a domain this organization has, one another verified); verifying
through a real DNS server, each failure recorded on the domain and said in DNS's words; and
every change audited."""

from __future__ import annotations

import pytest

from causeloop.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from directory.models import Domain
from directory.services.domains import (
    domain_add,
    domain_remove,
    domain_set_policy,
    domain_verify,
)
from organizations.models import AuditLog
from organizations.roles import Role
from tests.directory.domain_data import make_domain
from tests.factories import ApiKeyFactory, OrganizationFactory, member_of

pytestmark = pytest.mark.django_db


def audits(organization, action):
    return list(
        AuditLog.objects.filter(organization=organization, action=action).values_list(
            "details", flat=True
        )
    )


# --- adding ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.ADMIN, Role.OWNER])
def test_admins_add_a_domain_pending_with_its_txt_record(organization, role):
    admin = member_of(organization, role)
    domain = domain_add(organization=organization, actor=admin, domain=" @Acme.TEST. ")
    assert (domain.name, domain.policy, domain.verified_at) == ("acme.test", "suggest", None)
    assert domain.created_by == admin
    assert domain.txt_record == f"causeloop-verification={domain.token}"
    assert len(domain.token) >= 20
    assert audits(organization, "domain.added") == [{"domain": "acme.test"}]


def test_an_api_key_adds_a_domain_with_a_policy(organization):
    key = ApiKeyFactory(organization=organization)
    domain = domain_add(
        organization=organization, actor=key, domain="acme.test", policy="auto_join"
    )
    assert (domain.policy, domain.created_by) == ("auto_join", None)
    assert AuditLog.objects.get(action="domain.added").actor_api_key == key


def test_international_names_are_stored_in_their_ascii_form(organization, owner):
    domain = domain_add(organization=organization, actor=owner, domain="bücher.test")
    assert domain.name == "xn--bcher-kva.test"


@pytest.mark.parametrize("role", [Role.MEMBER, Role.ANALYST])
def test_members_and_analysts_may_not_add(organization, role):
    with pytest.raises(Forbidden):
        domain_add(organization=organization, actor=member_of(organization, role), domain="a.test")
    assert not Domain.objects.exists()


def test_an_outsider_is_told_nothing_exists(organization):
    with pytest.raises(NotFound):
        domain_add(
            organization=organization, actor=member_of(OrganizationFactory()), domain="a.test"
        )


@pytest.mark.parametrize(
    "name", ["", "com", "acme", "-acme.test", "acme..test", "10.0.0.1", "a b.test", None, 42]
)
def test_what_is_no_domain_is_refused(organization, owner, name):
    with pytest.raises(ValidationFailed) as refused:
        domain_add(organization=organization, actor=owner, domain=name)
    assert refused.value.code == "invalid_domain"
    assert "domain" in refused.value.fields
    assert not Domain.objects.exists()


@pytest.mark.parametrize(
    "name",
    [
        *("gmail.com", "Outlook.com", "hotmail.com", "yahoo.com", "yahoo.co.uk", "icloud.com"),
        *("proton.me", "protonmail.com", "gmx.de", "gmx.net", "aol.com", "hotmail.fr"),
    ],
)
def test_public_email_providers_cannot_be_claimed(organization, owner, name):
    with pytest.raises(ValidationFailed) as refused:
        domain_add(organization=organization, actor=owner, domain=name)
    assert refused.value.code == "public_email_domain"
    assert not Domain.objects.exists()


@pytest.mark.parametrize("name", ["gmx-consulting.test", "yahoo.acmecorp.test", "mail.acme.test"])
def test_company_domains_that_merely_look_alike_are_fine(organization, owner, name):
    assert domain_add(organization=organization, actor=owner, domain=name).name == name


def test_a_policy_that_does_not_exist_is_refused(organization, owner):
    with pytest.raises(ValidationFailed) as refused:
        domain_add(organization=organization, actor=owner, domain="acme.test", policy="everyone")
    assert refused.value.code == "invalid_policy"
    assert not Domain.objects.exists()


def test_a_domain_the_organization_has_is_refused(organization, owner):
    make_domain(organization, "acme.test")
    with pytest.raises(Conflict) as refused:
        domain_add(organization=organization, actor=owner, domain="ACME.test")
    assert refused.value.code == "domain_exists"
    assert Domain.objects.count() == 1


def test_a_domain_another_organization_verified_is_refused(organization, owner):
    make_domain(OrganizationFactory(), "acme.test", verified=True)
    with pytest.raises(Conflict) as refused:
        domain_add(organization=organization, actor=owner, domain="acme.test")
    assert refused.value.code == "domain_claimed"
    assert not Domain.objects.filter(organization=organization).exists()


def test_a_domain_another_organization_only_added_can_be_added_too(organization, owner):
    make_domain(OrganizationFactory(), "acme.test")
    assert domain_add(organization=organization, actor=owner, domain="acme.test").pk


# --- verifying ------------------------------------------------------------------------------


def test_the_published_record_verifies_the_domain(dns_server, organization, owner):
    domain = make_domain(organization, "acme.test")
    dns_server.publish("acme.test", "v=spf1 -all", domain.txt_record)
    verified = domain_verify(domain=domain, actor=owner)
    assert verified.is_verified
    domain.refresh_from_db()
    assert domain.verified_at is not None
    assert domain.checked_at == domain.verified_at
    assert domain.check_error == ""
    assert audits(organization, "domain.verified") == [{"domain": "acme.test"}]


def test_a_verified_domain_is_not_looked_up_again(dns_server, organization, owner):
    domain = make_domain(organization, "acme.test", verified=True)
    assert domain_verify(domain=domain, actor=owner) == domain
    assert dns_server.queries == []
    assert audits(organization, "domain.verified") == []


@pytest.mark.parametrize(
    ("records", "words"),
    [
        (None, "does not exist in DNS"),
        ([], "has no TXT record yet"),
        (["v=spf1 -all"], 'Found: "v=spf1 -all"'),
        (["causeloop-verification=someone-elses"], "with another token"),
    ],
)
def test_a_failed_lookup_is_recorded_and_refused_in_its_words(
    dns_server, organization, owner, records, words
):
    domain = make_domain(organization, "acme.test")
    if records is not None:
        dns_server.exists("acme.test")
        dns_server.publish("acme.test", *records)
    with pytest.raises(Conflict) as refused:
        domain_verify(domain=domain, actor=owner)
    assert refused.value.code == "domain_not_verified"
    assert words in refused.value.message
    assert refused.value.fields == {"domain": [refused.value.message]}
    domain.refresh_from_db()
    assert domain.verified_at is None
    assert domain.checked_at is not None
    assert domain.check_error == refused.value.message
    assert audits(organization, "domain.verified") == []


def test_a_timeout_is_recorded_and_refused(silent_dns_server, organization, owner):
    domain = make_domain(organization, "acme.test")
    with pytest.raises(Conflict) as refused:
        domain_verify(domain=domain, actor=owner)
    assert refused.value.code == "domain_not_verified"
    domain.refresh_from_db()
    assert "timed out" in domain.check_error
    assert not domain.is_verified


def test_a_later_success_clears_the_recorded_error(dns_server, organization, owner):
    domain = make_domain(organization, "acme.test")
    with pytest.raises(Conflict):
        domain_verify(domain=domain, actor=owner)
    dns_server.publish("acme.test", domain.txt_record)
    domain_verify(domain=domain, actor=owner)
    domain.refresh_from_db()
    assert (domain.is_verified, domain.check_error) == (True, "")


def test_a_domain_another_organization_verified_first_is_claimed(dns_server, organization, owner):
    theirs = make_domain(OrganizationFactory(), "acme.test", verified=True)
    mine = make_domain(organization, "acme.test")
    dns_server.publish("acme.test", mine.txt_record, theirs.txt_record)
    with pytest.raises(Conflict) as refused:
        domain_verify(domain=mine, actor=owner)
    assert refused.value.code == "domain_claimed"
    mine.refresh_from_db()
    assert not mine.is_verified
    assert "Another organization has already verified acme.test" in mine.check_error


@pytest.mark.parametrize("role", [Role.MEMBER, Role.ANALYST])
def test_members_and_analysts_may_not_verify(dns_server, organization, role):
    domain = make_domain(organization, "acme.test")
    dns_server.publish("acme.test", domain.txt_record)
    with pytest.raises(Forbidden):
        domain_verify(domain=domain, actor=member_of(organization, role))
    domain.refresh_from_db()
    assert (domain.verified_at, domain.checked_at) == (None, None)
    assert dns_server.queries == []  # refused before any lookup


# --- policy and removal ---------------------------------------------------------------------


def test_the_policy_changes_once_and_is_audited(organization, owner):
    domain = make_domain(organization, "acme.test", verified=True)
    domain_set_policy(domain=domain, actor=owner, policy="auto_join")
    domain_set_policy(domain=domain, actor=owner, policy="auto_join")  # no change, no row
    domain.refresh_from_db()
    assert domain.policy == "auto_join"
    assert audits(organization, "domain.policy_changed") == [
        {"domain": "acme.test", "from": "suggest", "to": "auto_join"}
    ]


@pytest.mark.parametrize("policy", ["", "AUTO_JOIN", "everyone", None, 1])
def test_a_policy_that_is_none_changes_nothing(organization, owner, policy):
    domain = make_domain(organization, "acme.test")
    with pytest.raises(ValidationFailed):
        domain_set_policy(domain=domain, actor=owner, policy=policy)
    domain.refresh_from_db()
    assert domain.policy == "suggest"


@pytest.mark.parametrize("role", [Role.MEMBER, Role.ANALYST])
def test_members_and_analysts_may_not_change_or_remove(organization, role):
    domain = make_domain(organization, "acme.test")
    person = member_of(organization, role)
    with pytest.raises(Forbidden):
        domain_set_policy(domain=domain, actor=person, policy="auto_join")
    with pytest.raises(Forbidden):
        domain_remove(domain=domain, actor=person)
    domain.refresh_from_db()
    assert domain.policy == "suggest"


def test_removing_a_verified_domain_frees_it_for_another_organization(
    dns_server, organization, owner
):
    domain = make_domain(organization, "acme.test", verified=True)
    domain_remove(domain=domain, actor=owner)
    assert not Domain.objects.exists()
    assert audits(organization, "domain.removed") == [{"domain": "acme.test"}]
    other = OrganizationFactory()
    theirs = domain_add(organization=other, actor=member_of(other, Role.OWNER), domain="acme.test")
    dns_server.publish("acme.test", theirs.txt_record)
    assert domain_verify(domain=theirs, actor=member_of(other, Role.ADMIN)).is_verified

"""`/organizations/{org}/domains`: admins, owners and API keys add, list, verify (a real DNS
lookup against a server on loopback), change and remove domains; analysts and members are
refused, reads included; bad input is a 400 that changes nothing; lists are paginated and cost
the same queries at any size. And `POST …/members`: a verified domain's people are added
directly, everyone else invited."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from directory.models import Domain
from memberships.models import Invitation, Membership
from organizations.models import AuditLog
from organizations.roles import Role
from tests.api.conftest import assert_refused, error_code
from tests.api.usage_data import CALLERS, WRITERS, client_for
from tests.directory.dns_server import dns_server  # noqa: F401  (a fixture)
from tests.directory.domain_data import make_domain
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

FIELDS = {
    "id",
    "domain",
    "status",
    "policy",
    "txt_record",
    "verified_at",
    "checked_at",
    "check_error",
    "created_by",
    "created_at",
}


def _url(organization, suffix=""):
    return f"/api/v1/organizations/{organization.pk}/domains{suffix}"


@pytest.fixture
def caller_client(as_user, as_key, make_member, organization):
    def make(caller):
        return client_for(
            caller, organization, as_user=as_user, as_key=as_key, make_member=make_member
        )

    return make


def _state(organization):
    return sorted(
        Domain.objects.filter(organization=organization).values_list(
            "name", "policy", "verified_at", "checked_at", "check_error"
        )
    )


# --- roles: every operation, every caller -----------------------------------------------------

OPERATIONS = [
    ("get", "", None, 200),
    ("post", "", {"domain": "new.test"}, 201),
    ("patch", "/{dom}", {"policy": "auto_join"}, 200),
    ("delete", "/{dom}", None, 204),
    ("post", "/{dom}/verify", None, 200),
]


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(
    ("method", "suffix", "body", "allowed"),
    OPERATIONS,
    ids=[f"{method} {suffix or '/'}" for method, suffix, _body, _allowed in OPERATIONS],
)
def test_only_admins_owners_and_api_keys_use_domains(
    dns_server,  # noqa: F811
    caller_client,
    organization,
    caller,
    method,
    suffix,
    body,
    allowed,
):
    domain = make_domain(organization, "acme.test")
    dns_server.publish("acme.test", domain.txt_record)
    client = caller_client(caller)
    before = _state(organization)
    response = getattr(client, method)(
        _url(organization, suffix.format(dom=domain.pk)), body, format="json"
    )
    if caller in WRITERS:
        assert response.status_code == allowed, response.content
        assert _state(organization) != before or method == "get"
    else:
        assert response.status_code == 403, response.content
        assert error_code(response) == "permission_denied"
        assert _state(organization) == before
        assert dns_server.queries == []


# --- the list and what each domain shows ------------------------------------------------------


def test_the_list_shows_the_organizations_domains_only_with_their_txt_record(
    as_user, organization, owner
):
    pending = make_domain(organization, "beta.test")
    make_domain(organization, "alpha.test", verified=True, policy="auto_join")
    make_domain(OrganizationFactory(), "theirs.test", verified=True)
    response = as_user(owner).get(_url(organization))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [row["domain"] for row in body["results"]] == ["alpha.test", "beta.test"]
    alpha, beta = body["results"]
    assert set(beta) == FIELDS
    assert (alpha["status"], alpha["policy"]) == ("verified", "auto_join")
    assert (beta["status"], beta["verified_at"], beta["checked_at"]) == ("pending", None, None)
    assert beta["txt_record"] == {
        "name": "beta.test",
        "type": "TXT",
        "value": f"causeloop-verification={pending.token}",
    }


def test_the_list_is_paginated(as_user, organization, owner):
    for n in range(3):
        make_domain(organization, f"d{n}.test")
    body = as_user(owner).get(_url(organization) + "?page_size=2").json()
    assert (body["count"], len(body["results"])) == (3, 2)
    assert body["next"]


def test_the_list_costs_the_same_queries_at_any_size(as_user, organization, owner):
    client = as_user(owner)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(_url(organization)).status_code == 200
        return len(captured)

    make_domain(organization, "first.test", verified=True)
    queries()  # the token's first use records when it was used; later ones within a minute not
    few = queries()
    for n in range(20):
        make_domain(organization, f"d{n}.test", verified=n % 2 == 0)
    assert queries() == few
    assert few <= 11


# --- adding ---------------------------------------------------------------------------------


def test_adding_answers_the_domain_and_its_record(as_user, organization, owner):
    response = as_user(owner).post(
        _url(organization), {"domain": "@Acme.TEST.", "policy": "auto_join"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    domain = Domain.objects.get()
    assert body["id"] == domain.pk
    assert (body["domain"], body["status"], body["policy"]) == ("acme.test", "pending", "auto_join")
    assert body["txt_record"]["value"] == domain.txt_record
    assert body["created_by"] == owner.pk


def test_adding_honours_the_idempotency_key(as_user, organization, owner):
    client = as_user(owner)
    headers = {"HTTP_IDEMPOTENCY_KEY": "add-acme"}
    first = client.post(_url(organization), {"domain": "acme.test"}, format="json", **headers)
    again = client.post(_url(organization), {"domain": "acme.test"}, format="json", **headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Domain.objects.count() == 1
    other = client.post(_url(organization), {"domain": "beta.test"}, format="json", **headers)
    assert (other.status_code, error_code(other)) == (409, "idempotency_key_reused")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "invalid"),
        ({"domain": 42}, "invalid"),
        ({"domain": ["acme.test"]}, "invalid"),
        ({"domain": "acme.test", "extra": 1}, "invalid"),
        ({"domain": "acme.test", "policy": "everyone"}, "invalid"),
        ({"domain": "x" * 301}, "invalid"),
        ({"domain": "com"}, "invalid_domain"),
        ({"domain": "10.0.0.1"}, "invalid_domain"),
        ({"domain": "exa mple.test"}, "invalid_domain"),
        ({"domain": "gmail.com"}, "public_email_domain"),
        ({"domain": "gmx.de"}, "public_email_domain"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(as_user, organization, owner, body, code):
    response = as_user(owner).post(_url(organization), body, format="json")
    error = assert_refused(response, 400, code)
    assert error["fields"]
    assert not Domain.objects.exists()
    assert not AuditLog.objects.filter(action="domain.added").exists()


def test_a_domain_twice_or_claimed_elsewhere_is_a_conflict(as_user, organization, owner):
    make_domain(organization, "mine.test")
    make_domain(OrganizationFactory(), "theirs.test", verified=True)
    client = as_user(owner)
    twice = client.post(_url(organization), {"domain": "MINE.test"}, format="json")
    assert (twice.status_code, error_code(twice)) == (409, "domain_exists")
    claimed = client.post(_url(organization), {"domain": "theirs.test"}, format="json")
    assert (claimed.status_code, error_code(claimed)) == (409, "domain_claimed")
    assert Domain.objects.filter(organization=organization).count() == 1


# --- verifying, policy, removal ---------------------------------------------------------------


def test_verifying_looks_the_record_up(dns_server, as_user, organization, owner):  # noqa: F811
    domain = make_domain(organization, "acme.test")
    client = as_user(owner)
    missing = client.post(_url(organization, f"/{domain.pk}/verify"))
    assert missing.status_code == 409
    error = missing.json()["error"]
    assert error["code"] == "domain_not_verified"
    assert "acme.test does not exist in DNS" in error["message"]
    domain.refresh_from_db()
    assert (domain.verified_at, domain.check_error) == (None, error["message"])  # kept
    listed = client.get(_url(organization)).json()["results"][0]
    assert (listed["status"], listed["check_error"]) == ("pending", error["message"])

    dns_server.publish("acme.test", [domain.txt_record[:30], domain.txt_record[30:]])
    verified = client.post(_url(organization, f"/{domain.pk}/verify"))
    assert verified.status_code == 200, verified.content
    body = verified.json()
    assert (body["status"], body["check_error"]) == ("verified", "")
    assert body["verified_at"]
    assert Domain.objects.get().is_verified


def test_verifying_a_domain_another_organization_verified_is_claimed(
    dns_server,  # noqa: F811
    as_user,
    organization,
    owner,
):
    make_domain(OrganizationFactory(), "acme.test", verified=True)
    domain = make_domain(organization, "acme.test")
    dns_server.publish("acme.test", domain.txt_record)
    response = as_user(owner).post(_url(organization, f"/{domain.pk}/verify"))
    assert (response.status_code, error_code(response)) == (409, "domain_claimed")
    assert not Domain.objects.get(pk=domain.pk).is_verified


def test_verifying_is_rate_limited_per_organization(
    dns_server,  # noqa: F811
    as_user,
    organization,
    owner,
    settings,
):
    """Each verification asks DNS and may wait out its timeout: an organization gets a few an
    hour, and the refusal is a 429 that looks nothing up and changes nothing."""
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "domain_verify": "2/h/key"}
    domain = make_domain(organization, "acme.test")
    client = as_user(owner)
    url = _url(organization, f"/{domain.pk}/verify")
    assert [client.post(url).status_code for _ in range(2)] == [409, 409]
    dns_server.publish("acme.test", domain.txt_record)
    refused = client.post(url)
    assert (refused.status_code, error_code(refused)) == (429, "rate_limited")
    assert refused["Retry-After"]
    assert not Domain.objects.get(pk=domain.pk).is_verified


def test_the_policy_changes_and_bad_ones_change_nothing(as_user, organization, owner):
    domain = make_domain(organization, "acme.test", verified=True)
    client = as_user(owner)
    for body in ({}, {"policy": "everyone"}, {"policy": None}, {"policy": "suggest", "x": 1}):
        response = client.patch(_url(organization, f"/{domain.pk}"), body, format="json")
        assert_refused(response, 400, "invalid")
    assert Domain.objects.get().policy == "suggest"
    changed = client.patch(
        _url(organization, f"/{domain.pk}"), {"policy": "auto_join"}, format="json"
    )
    assert (changed.status_code, changed.json()["policy"]) == (200, "auto_join")
    assert Domain.objects.get().policy == "auto_join"


def test_removing_a_domain(as_user, organization, owner):
    domain = make_domain(organization, "acme.test", verified=True)
    assert as_user(owner).delete(_url(organization, f"/{domain.pk}")).status_code == 204
    assert not Domain.objects.exists()
    assert AuditLog.objects.filter(action="domain.removed").count() == 1


@pytest.mark.parametrize("domain_id", ["dom_nope", "dom_" + "0" * 26, "x" * 150, "%E2%80%8B", "  "])
def test_a_domain_that_is_not_there_is_404(as_user, organization, owner, domain_id):
    client = as_user(owner)
    for method, suffix, body in [
        ("patch", f"/{domain_id}", {"policy": "suggest"}),
        ("delete", f"/{domain_id}", None),
        ("post", f"/{domain_id}/verify", None),
    ]:
        response = getattr(client, method)(_url(organization, suffix), body, format="json")
        assert response.status_code == 404, (method, domain_id, response.content)


# --- POST …/members: added directly, or invited -----------------------------------------------


def _add(client, organization, email, role="member"):
    return client.post(
        f"/api/v1/organizations/{organization.pk}/members",
        {"email": email, "role": role},
        format="json",
    )


@pytest.mark.parametrize("caller", ["admin", "owner", "api_key"])
def test_a_verified_person_on_a_verified_domain_is_added_directly(
    caller_client, organization, caller
):
    make_domain(organization, "acme.test", verified=True)
    person = UserFactory(email="dana@acme.test")
    response = _add(caller_client(caller), organization, "dana@acme.test", "analyst")
    assert response.status_code == 201, response.content
    body = response.json()
    membership = Membership.objects.get(organization=organization, user=person)
    assert body["id"] == membership.pk
    assert (body["role"], body["user"]["email"]) == ("analyst", "dana@acme.test")
    assert "accept_url" not in body
    assert not Invitation.objects.exists()
    assert AuditLog.objects.get(action="member.joined").details["via"] == "domain"


@pytest.mark.parametrize("case", ["unverified_address", "pending_domain", "other_domain"])
def test_anyone_else_is_invited_as_before(as_user, organization, admin_user, case):
    make_domain(organization, "acme.test", verified=case != "pending_domain")
    make_domain(OrganizationFactory(), "theirs.test", verified=True)
    email = "dana@theirs.test" if case == "other_domain" else "dana@acme.test"
    UserFactory(email=email, verified_email=case != "unverified_address")
    response = _add(as_user(admin_user), organization, email)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] == email
    assert "/invitations/" in body["accept_url"]
    assert not Membership.objects.filter(organization=organization, user__email=email).exists()
    assert Invitation.objects.get().email == email


@pytest.mark.parametrize("role", [Role.MEMBER, Role.ANALYST])
def test_members_and_analysts_add_nobody(as_user, organization, make_member, role):
    make_domain(organization, "acme.test", verified=True)
    UserFactory(email="dana@acme.test")
    response = _add(as_user(make_member(organization, role)), organization, "dana@acme.test")
    assert (response.status_code, error_code(response)) == (403, "permission_denied")
    assert not Membership.objects.filter(user__email="dana@acme.test").exists()


def test_nobody_is_added_as_owner(as_user, organization, owner):
    make_domain(organization, "acme.test", verified=True)
    UserFactory(email="dana@acme.test")
    response = _add(as_user(owner), organization, "dana@acme.test", "owner")
    assert_refused(response, 400, "invalid")
    assert not Membership.objects.filter(user__email="dana@acme.test").exists()

"""Whole requests through the application role: the middleware, authentication and the
organization resolution set the context, and the database does the rest."""

from __future__ import annotations

import pytest
from django.test import Client

from causeloop.core.crypto import keyed_hash
from causeloop.core.tenancy import platform_work
from organizations.roles import Role
from tests.factories import (
    ApiKeyFactory,
    MembershipFactory,
    OrganizationFactory,
    TemplateFactory,
    UserFactory,
)

pytestmark = [
    pytest.mark.urls("tests.security.urls"),
    pytest.mark.usefixtures("as_app", "_no_zeal"),
]


@pytest.fixture
def tenants():
    with platform_work():
        acme, globex = OrganizationFactory(slug="acme"), OrganizationFactory(slug="globex")
        alice = UserFactory(email="alice@acme.test")
        MembershipFactory(user=alice, organization=acme, role=Role.MEMBER, is_active=True)
        for org in (acme, globex):
            TemplateFactory(organization=org, name=f"{org.slug} template")
        ApiKeyFactory(organization=acme, key_hash=keyed_hash("acme_api_secret"))
        staff = UserFactory(email="operator@platform.test", is_staff=True, is_superuser=True)
    return {"alice": alice, "staff": staff}


def test_a_member_s_request_sees_only_their_organization(tenants):
    client = Client()
    client.force_login(tenants["alice"])
    response = client.get("/tenant/acme/templates")
    assert response.status_code == 200
    assert response.json() == {"templates": ["acme template"]}
    assert client.get("/tenant/globex/templates").status_code == 404


def test_an_api_key_request_sees_only_its_organization(tenants):
    client = Client(HTTP_AUTHORIZATION="Bearer acme_api_secret")
    assert client.get("/tenant/acme/templates").json() == {"templates": ["acme template"]}
    assert client.get("/tenant/globex/templates").status_code == 404
    assert Client(HTTP_X_API_KEY="wrong").get("/tenant/acme/templates").status_code == 401


def test_staff_in_the_platform_admin_see_every_tenant_and_members_do_not(tenants):
    client = Client()
    client.force_login(tenants["staff"])
    page = client.get("/platform-admin/organizations/organization/")
    assert page.status_code == 200
    assert b"acme" in page.content
    assert b"globex" in page.content
    client.force_login(tenants["alice"])
    assert client.get("/platform-admin/organizations/organization/").status_code == 302


def test_a_session_level_platform_context_never_shows_through_a_request(tenants):
    """A command sets the platform context for its whole session; should that connection serve
    a request afterwards (a pooled connection), the request still starts from nothing."""
    from causeloop.core.tenancy import current_context, enter_platform

    enter_platform()  # outside a transaction and a request: for the session
    assert current_context()["app.platform"] == "on"
    client = Client()
    client.force_login(tenants["alice"])
    assert client.get("/tenant/acme/templates").json() == {"templates": ["acme template"]}
    assert client.get("/tenant/globex/templates").status_code == 404

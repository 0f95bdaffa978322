"""Queries per page do not grow with the data."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from zeal import zeal_ignore

from memberships.services.tokens import personal_token_create
from organizations.audit import audit
from organizations.roles import Role
from tests.factories import (
    ApiKeyFactory,
    InvitationFactory,
    InviteCodeFactory,
    MembershipFactory,
    OrganizationFactory,
    TemplateFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/admin/organization/",
    "/admin/branding/",
    "/admin/templates/",
    "/admin/templates/{tpl}/",
    "/admin/members/",
    "/admin/api-keys/",
    "/admin/data/",
    "/brand.css",
    "/admin/integrations/",
    "/organizations/",
]


def _world(client, size):
    organization = OrganizationFactory(seats=1000)
    owner = UserFactory()
    MembershipFactory(user=owner, organization=organization, role=Role.OWNER, is_active=True)
    for _ in range(size):
        MembershipFactory(organization=organization, role=Role.ADMIN)
        MembershipFactory(user=owner, organization=OrganizationFactory())
        InvitationFactory(organization=organization, invited_by=owner)
        InviteCodeFactory(organization=organization, created_by=owner)
        ApiKeyFactory(organization=organization, created_by=owner)
        TemplateFactory(organization=organization, created_by=owner)
        personal_token_create(user=owner)
        audit(organization, actor=owner, action="organization.updated", target=organization)
    template = TemplateFactory(organization=organization)
    with zeal_ignore():
        client.force_login(owner)
    return {"tpl": template.pk}


def _count(client, path):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(captured)


@pytest.mark.parametrize("path", PAGES)
def test_page_queries_do_not_grow_with_the_data(client, path):
    from django.test import Client

    small = _world(client, 2)
    small_count = _count(client, path.format(**small))
    other = Client()
    large = _world(other, 20)
    large_count = _count(other, path.format(**large))
    assert small_count == large_count, (path, small_count, large_count)

"""Queries per request do not grow with the directory: its people, their memberships and the
tokens, measured at two sizes for every list and read of the SCIM service, the token API and
the directory page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from zeal import zeal_ignore

from directory.models import DirectoryUser
from directory.services.scim_tokens import scim_token_create
from memberships.services.tokens import personal_token_create
from organizations.roles import Role
from tests.api.conftest import client_with
from tests.directory.conftest import ScimClient
from tests.factories import MembershipFactory, UserFactory, organization_with_owner

pytestmark = pytest.mark.django_db

SCIM_READS = [
    "/Users",
    "/Users?filter=userName%20sw%20%22person%22%20and%20active%20eq%20true",
    "/Users/{dus}",
    "/Groups",
    "/Groups/member",
    "/Groups?excludedAttributes=members",
    "/Schemas",
]


def _world(size):
    organization, owner = organization_with_owner()
    accounts = UserFactory.create_batch(size)
    for n, account in enumerate(accounts):
        if n % 2 == 0:
            MembershipFactory(organization=organization, user=account, role=Role.ANALYST)
    people = DirectoryUser.objects.bulk_create(
        DirectoryUser(
            organization=organization,
            user=account,
            user_name=f"person{n}@acme.test",
            active=n % 2 == 0,
            attributes={"displayName": f"Person {n}", "emails": [{"value": account.email}]},
        )
        for n, account in enumerate(accounts)
    )
    for n in range(size):
        scim_token_create(organization=organization, actor=owner, name=f"token {n}")
    _token, secret = scim_token_create(organization=organization, actor=owner, name="measured")
    return organization, owner, secret, people[0].pk


def _queries(client, path):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, (path, response.content)
    return len(captured)


@pytest.mark.parametrize("path", SCIM_READS)
def test_scim_reads_do_not_grow_with_the_directory(path):
    counts = []
    for size in (2, 15):
        _organization, _owner, secret, dus = _world(size)
        client = ScimClient(secret)
        client.get("/ServiceProviderConfig")  # the token's first use is recorded once a minute
        counts.append(_queries(client.client, f"/scim/v2{path.format(dus=dus)}"))
    assert counts[0] == counts[1], (path, counts)
    assert counts[0] <= 8, (path, counts)


def test_the_token_list_and_the_page_do_not_grow_with_the_directory(client):
    api_counts, page_counts = [], []
    for size in (2, 15):
        organization, owner, _secret, _dus = _world(size)
        _pat, secret = personal_token_create(user=owner)
        api = client_with(HTTP_AUTHORIZATION=f"Bearer {secret}")
        api_counts.append(_queries(api, f"/api/v1/organizations/{organization.pk}/scim-tokens"))
        with zeal_ignore():
            client.force_login(owner)
        page_counts.append(_queries(client, "/admin/directory/"))
    assert api_counts[0] == api_counts[1], api_counts
    assert page_counts[0] == page_counts[1], page_counts

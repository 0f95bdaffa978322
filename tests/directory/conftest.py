"""Fixtures of the directory tests: an organization with its owner, a SCIM token, and a client
that speaks SCIM with it."""

import json

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from directory.services.scim_tokens import scim_token_create
from tests.api.conftest import as_key, as_user  # noqa: F401 - the API's clients, here too
from tests.directory.dns_server import dns_server, silent_dns_server  # noqa: F401 - fixtures
from tests.factories import organization_with_owner

SCIM = "/scim/v2"
SCIM_JSON = "application/scim+json"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"


class ScimClient:
    """Requests to `/scim/v2/` with a SCIM token, their bodies as `application/scim+json`."""

    def __init__(self, secret: str) -> None:
        self.client = APIClient()
        self.client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")

    def _send(self, method, path, body=None, **extra):
        data = json.dumps(body) if body is not None and not isinstance(body, str) else body
        kwargs = {"content_type": SCIM_JSON} if data is not None else {}
        return getattr(self.client, method)(f"{SCIM}{path}", data, **kwargs, **extra)

    def get(self, path, **extra):
        return self.client.get(f"{SCIM}{path}", **extra)

    def post(self, path, body=None, **extra):
        return self._send("post", path, body, **extra)

    def put(self, path, body=None, **extra):
        return self._send("put", path, body, **extra)

    def patch(self, path, body=None, **extra):
        return self._send("patch", path, body, **extra)

    def delete(self, path, **extra):
        return self.client.delete(f"{SCIM}{path}", **extra)


@pytest.fixture(autouse=True)
def _fresh_rate_limits(request):
    """Rate limits start from nothing in every test that reaches the database (the cache is
    the database's; the DNS tests need neither)."""
    database = next(
        (name for name in ("transactional_db", "db") if name in request.fixturenames), None
    )
    if database is not None:
        request.getfixturevalue(database)  # set up before the cache is touched
    if database is not None or request.node.get_closest_marker("django_db"):
        cache.clear()


@pytest.fixture
def acme(db):
    """An organization and its owner."""
    return organization_with_owner(email="owner@acme.test", name="Olive Owner")


@pytest.fixture
def token_and_secret(acme):
    organization, owner = acme
    return scim_token_create(organization=organization, actor=owner, name="Okta")


@pytest.fixture
def scim(token_and_secret):
    """A SCIM client of acme's directory."""
    return ScimClient(token_and_secret[1])


def new_user(user_name="ada@acme.test", **attributes):
    """A SCIM User's creation body."""
    return {"schemas": [USER_SCHEMA], "userName": user_name, **attributes}


def patch_of(*operations):
    return {"schemas": [PATCH_SCHEMA], "Operations": list(operations)}


def scim_error(response, status, scim_type=None):
    """The response is SCIM's error document with `status` (and `scim_type`); its detail."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(SCIM_JSON), response["Content-Type"]
    body = response.json()
    assert body["schemas"] == [ERROR_SCHEMA]
    assert body["status"] == str(status)
    assert body.get("scimType") == scim_type, body
    assert body["detail"]
    return body["detail"]

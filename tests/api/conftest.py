"""API test helpers: clients that authenticate the way real callers do (a personal token in
`Authorization: Bearer`, an organization API key, the root key)."""

import pytest
from rest_framework.test import APIClient

from memberships.services.tokens import personal_token_create
from organizations.services.api_keys import api_key_provision

ROOT_KEY = "test-root-key"  # CAUSELOOP_ROOT_KEY in the test environment (pyproject.toml)


def client_with(**headers):
    client = APIClient()
    client.credentials(**headers)
    return client


@pytest.fixture
def as_user():
    """`as_user(user)` → a client authenticated with a new personal token of `user`."""

    def make(user):
        _token, secret = personal_token_create(user=user, name="tests")
        return client_with(HTTP_AUTHORIZATION=f"Bearer {secret}")

    return make


@pytest.fixture
def as_key():
    """`as_key(org)` → a client authenticated with a new API key of `org`."""

    def make(organization):
        _key, secret = api_key_provision(organization=organization, name="tests")
        return client_with(HTTP_AUTHORIZATION=f"Bearer {secret}")

    return make


@pytest.fixture
def anonymous():
    return APIClient()


@pytest.fixture
def as_root():
    return client_with(HTTP_X_ROOT_KEY=ROOT_KEY)


def error_code(response):
    assert "error" in response.json(), response.content
    return response.json()["error"]["code"]

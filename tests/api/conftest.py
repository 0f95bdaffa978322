"""API test helpers: clients that authenticate the way real callers do (a personal token in
`Authorization: Bearer`, an organization API key, the root key)."""

import pytest
from django.apps import apps
from django.core.cache import cache
from rest_framework.test import APIClient

from memberships.models import Membership
from memberships.services.tokens import personal_token_create
from organizations.models import Run
from organizations.roles import Role
from organizations.services.api_keys import api_key_provision
from tests.api.usage_data import make_integration, make_runs
from tests.factories import TemplateFactory

ROOT_KEY = "test-root-key"  # CAUSELOOP_ROOT_KEY in the test environment (pyproject.toml)


def token_client(user):
    """A client authenticated with a new personal token of `user`."""
    _token, secret = personal_token_create(user=user, name="tests")
    return client_with(HTTP_AUTHORIZATION=f"Bearer {secret}")


def client_with(**headers):
    client = APIClient()
    client.credentials(**headers)
    return client


@pytest.fixture
def as_user():
    """`as_user(user)` → a client authenticated with a new personal token of `user`."""
    return token_client


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


def database_state():
    """Row counts of every table of ours and the members' roles: equal before and after a
    refused request."""
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in {"organizations", "memberships", "causeloop", "webhooks"}
    } | {"roles": sorted(Membership.objects.values_list("role", flat=True))}


@pytest.fixture
def world(as_user, organization, owner, make_member):
    """A signed-in owner, and the IDs of what the bad-input tests aim at."""
    cache.clear()
    member = make_member(organization, Role.MEMBER)
    template = TemplateFactory(organization=organization)
    names = {
        "org": organization.pk,
        "mem": Membership.objects.get(user=member).pk,
        "tpl": template.pk,
        "int": make_integration(organization).pk,
        "run": make_runs(organization, 1, status=Run.Status.RUNNING)[0].pk,
    }
    return as_user(owner), names


def assert_refused(response, status=400, code="invalid_input"):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields", "request_id"}
    assert error["request_id"] == response["X-Request-ID"]
    assert error["message"]
    assert error["code"] == code
    return error

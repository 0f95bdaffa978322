"""Shared fixtures. N+1 detection (django-zeal) is on for every test."""

import pytest
from zeal import zeal_context

from memberships.roles import Role
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory


@pytest.fixture(autouse=True)
def _detect_n_plus_one():
    with zeal_context():
        yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The default hasher costs ~0.5 s per factory user on a small machine.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def organization(db):
    return OrganizationFactory()


@pytest.fixture
def other_organization(db):
    return OrganizationFactory()


@pytest.fixture
def make_member(db):
    """`make_member(org, role)` → a new user with that role in `org` (their active org)."""

    def make(organization, role=Role.MEMBER, **user_fields):
        user = UserFactory(**user_fields)
        MembershipFactory(user=user, organization=organization, role=role, is_active=True)
        return user

    return make


@pytest.fixture
def owner(organization, make_member):
    return make_member(organization, Role.OWNER)


@pytest.fixture
def admin_user(organization, make_member):
    return make_member(organization, Role.ADMIN)


@pytest.fixture
def analyst(organization, make_member):
    return make_member(organization, Role.ANALYST)


@pytest.fixture
def member(organization, make_member):
    return make_member(organization, Role.MEMBER)

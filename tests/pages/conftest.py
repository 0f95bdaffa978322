"""Fixtures of the page tests."""

import pytest
from zeal import zeal_ignore

from tests.factories import UserFactory


@pytest.fixture
def signed_in(client):
    """`signed_in(user)` → the test client, signed in as `user`."""

    def sign_in(user):
        with zeal_ignore():  # logging in is test setup, not the request under test
            client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def newcomer(client):
    """A signed-in person with no organization yet (the wizard's visitor)."""
    user = UserFactory(email="new@example.com", name="Nia New")
    with zeal_ignore():
        client.force_login(user)
    return user

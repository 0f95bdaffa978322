"""Fixtures of the page tests."""

import pytest
from zeal import zeal_ignore


@pytest.fixture
def signed_in(client):
    """`signed_in(user)` → the test client, signed in as `user`."""

    def sign_in(user):
        with zeal_ignore():  # logging in is test setup, not the request under test
            client.force_login(user)
        return client

    return sign_in

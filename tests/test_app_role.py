"""The suite's requests run as the application role, so a view that forgets the tenant context
sees nothing: the guarantee every API and page test leans on (see tests/app_role.py)."""

import pytest

from organizations.models import Organization


@pytest.mark.urls("tests.app_role_urls")
def test_a_request_that_sets_no_tenant_context_sees_no_organization(client, organization):
    assert Organization.objects.count() == 1  # the test itself runs as the superuser

    response = client.get("/unscoped/")

    assert response.json() == {"organizations": 0}

from onboarding.services import onboard_client


def test_onboard_client_creates_an_organization(db):
    result = onboard_client(org_name="Acme Corp", org_slug="acme", owner_email="alice@acme.com")
    assert result.created is True
    assert result.org_id.startswith("org_")

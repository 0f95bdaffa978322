from onboarding.services.onboard import OnboardRequest, onboard_client


def test_onboard_client_creates_an_organization(db):
    result = onboard_client(
        request=OnboardRequest(org_name="Acme Corp", org_slug="acme", owner_email="alice@acme.com")
    )
    assert result.created is True
    assert result.org_id.startswith("org_")

"""The wizard's rules as services: the first API key, and personal organizations."""

import pytest
from zeal import zeal_ignore

from onboarding.services.wizard import organization_setup, personal_organization_ensure
from organizations.models import ApiKey, Organization
from organizations.services.api_keys import api_key_provision
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_setup_picks_the_plan_and_issues_the_first_key_once(organization, owner):
    first = organization_setup(organization=organization, actor=owner, plan="growth")
    assert first.organization.plan_id == "growth"
    assert first.api_key_secret is not None
    assert ApiKey.objects.filter(organization=organization).count() == 1
    with zeal_ignore():  # a second call, not an N+1
        again = organization_setup(organization=organization, actor=owner, plan="starter")
    assert again.api_key_secret is None
    assert again.organization.plan_id == "starter"
    assert ApiKey.objects.filter(organization=organization).count() == 1


def test_setup_issues_no_key_to_an_organization_awaiting_approval(organization, owner):
    Organization.objects.filter(pk=organization.pk).update(status=Organization.Status.PENDING)
    organization.refresh_from_db()
    setup = organization_setup(organization=organization, actor=owner, plan="free")
    assert setup.api_key_secret is None
    assert not ApiKey.objects.filter(organization=organization).exists()


def test_setup_issues_no_key_when_the_organization_had_one(organization, owner):
    api_key_provision(organization=organization, name="earlier")
    setup = organization_setup(organization=organization, actor=owner, plan="growth")
    assert setup.api_key_secret is None
    assert ApiKey.objects.filter(organization=organization).count() == 1


def test_a_person_without_an_organization_gets_one_personal_organization(settings):
    settings.CAUSELOOP_PERSONAL_ORG = True
    user = UserFactory(name="Nia New")
    organization = personal_organization_ensure(user=user)
    assert organization is not None
    assert organization.name == "Nia New's organization"
    assert personal_organization_ensure(user=user) is None
    assert Organization.objects.count() == 1


def test_no_personal_organization_when_they_are_off_or_the_person_has_one(
    settings, organization, owner
):
    settings.CAUSELOOP_PERSONAL_ORG = False
    assert personal_organization_ensure(user=UserFactory()) is None
    settings.CAUSELOOP_PERSONAL_ORG = True
    assert personal_organization_ensure(user=owner) is None
    assert Organization.objects.count() == 1

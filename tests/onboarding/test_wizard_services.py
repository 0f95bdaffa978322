"""The wizard's rules as services: correcting the organization it made, the first API key, and
personal organizations."""

import pytest
from zeal import zeal_ignore

from causeloop.core.errors import Conflict, Forbidden, ValidationFailed
from onboarding.lifecycle import organization_create
from onboarding.services.wizard import (
    organization_details_change,
    organization_setup,
    personal_organization_ensure,
    wizard_slug_for,
)
from organizations.models import ApiKey, AuditLog, Organization
from organizations.roles import Role
from organizations.services.api_keys import api_key_provision
from tests.factories import OrganizationFactory, UserFactory, member_of


def test_correcting_the_name_moves_a_derived_address_and_keeps_one_organization(db):
    user = UserFactory()
    organization = organization_create(user=user, name="Nimbsu")
    organization_details_change(
        organization=organization, actor=user, name="Nimbus", kind="nonprofit", slug=None
    )
    organization.refresh_from_db()
    assert (organization.name, organization.slug, organization.kind) == (
        "Nimbus",
        "nimbus",
        "nonprofit",
    )
    assert Organization.objects.count() == 1
    row = AuditLog.objects.get(action="organization.updated")
    assert row.details["slug"] == {"from": "nimbsu", "to": "nimbus"}


def test_an_unchanged_name_keeps_its_numbered_address(db):
    OrganizationFactory(slug="acme")
    user = UserFactory()
    organization = organization_create(user=user, name="Acme")
    assert organization.slug == "acme-2"
    assert wizard_slug_for(name="Acme", organization=organization) == "acme-2"
    assert wizard_slug_for(name="Acme") == "acme-3"
    organization_details_change(
        organization=organization, actor=user, name="Acme", kind="company", slug=""
    )
    organization.refresh_from_db()
    assert organization.slug == "acme-2"


def test_a_taken_address_or_an_unknown_type_changes_nothing(db):
    OrganizationFactory(slug="taken")
    user = UserFactory()
    organization = organization_create(user=user, name="Mine")
    with pytest.raises(Conflict) as taken:
        organization_details_change(
            organization=organization, actor=user, name="Other", kind="company", slug="taken"
        )
    assert taken.value.code == "slug_taken"
    assert taken.value.fields == {"slug": ['The address "taken" is taken — try "taken-2".']}
    with pytest.raises(ValidationFailed) as kind:
        organization_details_change(
            organization=organization, actor=user, name="Other", kind="empire", slug=None
        )
    assert list(kind.value.fields) == ["kind"]
    organization.refresh_from_db()
    assert (organization.name, organization.slug, organization.kind) == ("Mine", "mine", "company")


def test_only_its_admins_correct_an_organization(organization, owner):
    member = member_of(organization, Role.MEMBER)
    with pytest.raises(Forbidden):
        organization_details_change(
            organization=organization, actor=member, name="Mine", kind="company", slug=None
        )
    organization_details_change(
        organization=organization, actor=owner, name="Renamed", kind="company", slug=None
    )
    organization.refresh_from_db()
    assert organization.name == "Renamed"


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

"""An organization's lifecycle: self-service creation (the caller its active owner) and
deletion (the owner, after typing the slug)."""

import pytest

from causeloop.core.errors import Conflict, Forbidden, ValidationFailed
from memberships.models import Membership
from onboarding.lifecycle import organization_create, organization_delete
from organizations.models import AuditLog, Organization
from organizations.roles import Role
from tests.factories import OrganizationFactory, UserFactory


def test_creating_an_organization_makes_the_caller_its_active_owner(db):
    user = UserFactory()
    organization = organization_create(user=user, name="Acme Corp")
    membership = Membership.objects.get(user=user)
    assert organization.slug == "acme-corp"
    assert organization.status == "active"
    assert (membership.organization_id, membership.role, membership.is_active) == (
        organization.pk,
        Role.OWNER,
        True,
    )
    assert AuditLog.objects.get(organization=organization).action == "workspace.created"


def test_a_derived_slug_is_made_unique(db):
    OrganizationFactory(slug="acme-corp")
    OrganizationFactory(slug="acme-corp-2")
    organization = organization_create(user=UserFactory(), name="Acme Corp")
    assert organization.slug == "acme-corp-3"


def test_a_reserved_name_gets_a_safe_derived_slug(db):
    organization = organization_create(user=UserFactory(), name="Admin")
    assert organization.slug == "admin-org"


def test_a_chosen_slug_that_is_taken_is_refused(organization):
    with pytest.raises(Conflict) as error:
        organization_create(user=UserFactory(), name="Copy", slug=organization.slug.upper())
    assert error.value.code == "slug_taken"
    assert Organization.objects.count() == 1


def test_deleting_needs_the_owner_and_the_typed_slug(organization, owner, admin_user):
    with pytest.raises(Forbidden):
        organization_delete(
            organization=organization, actor=admin_user, confirm_slug=organization.slug
        )
    with pytest.raises(ValidationFailed) as error:
        organization_delete(organization=organization, actor=owner, confirm_slug="wrong")
    assert error.value.code == "confirmation_mismatch"
    assert Organization.objects.filter(pk=organization.pk).exists()
    organization_delete(organization=organization, actor=owner, confirm_slug=organization.slug)
    assert not Organization.objects.filter(pk=organization.pk).exists()

"""Rules the database holds itself: each one is hit by bypassing the services."""

import pytest
from django.db import IntegrityError, transaction

from memberships.models import Invitation, Membership
from organizations.models import Organization, Subscription, Template
from tests.factories import (
    InvitationFactory,
    MembershipFactory,
    OrganizationFactory,
    TemplateFactory,
    UserFactory,
)


def _refused(callable_, *args, **kwargs):
    with pytest.raises(IntegrityError), transaction.atomic():
        callable_(*args, **kwargs)


def test_slug_is_unique_case_insensitively_in_the_database(organization):
    _refused(Organization.objects.create, name="Copy", slug=organization.slug.upper())
    assert Organization.objects.filter(slug__iexact=organization.slug).count() == 1


def test_user_email_is_unique_case_insensitively_in_the_database(db):
    user = UserFactory(email="alice@example.com")
    _refused(UserFactory, email="ALICE@example.com")
    assert user.__class__.objects.filter(email__iexact="alice@example.com").count() == 1


def test_a_user_has_at_most_one_active_membership_in_the_database(db):
    user = UserFactory()
    MembershipFactory(user=user, is_active=True)
    _refused(MembershipFactory, user=user, is_active=True)
    assert Membership.objects.filter(user=user, is_active=True).count() == 1


def test_a_user_may_have_many_inactive_memberships(db):
    user = UserFactory()
    MembershipFactory(user=user, is_active=True)
    MembershipFactory(user=user, is_active=False)
    MembershipFactory(user=user, is_active=False)
    assert Membership.objects.filter(user=user).count() == 3


def test_a_user_is_member_of_an_organization_only_once(organization):
    user = UserFactory()
    MembershipFactory(user=user, organization=organization)
    _refused(MembershipFactory, user=user, organization=organization)


def test_one_pending_invitation_per_organization_and_email_in_the_database(organization):
    InvitationFactory(organization=organization, email="bob@example.com")
    _refused(InvitationFactory, organization=organization, email="BOB@example.com")
    assert Invitation.objects.filter(organization=organization).count() == 1


def test_a_revoked_invitation_makes_way_for_a_new_pending_one(organization):
    InvitationFactory(
        organization=organization, email="bob@example.com", status=Invitation.Status.REVOKED
    )
    InvitationFactory(organization=organization, email="bob@example.com")
    assert Invitation.objects.filter(organization=organization).count() == 2


def test_the_same_email_may_be_pending_in_two_organizations(organization, other_organization):
    InvitationFactory(organization=organization, email="bob@example.com")
    InvitationFactory(organization=other_organization, email="bob@example.com")
    assert Invitation.objects.filter(email="bob@example.com").count() == 2


def test_membership_role_must_be_a_known_role(organization):
    _refused(MembershipFactory, organization=organization, role="superhero")


def test_invitation_role_cannot_be_owner_in_the_database(organization):
    _refused(InvitationFactory, organization=organization, role="owner")


def test_invitation_status_must_be_known(organization):
    _refused(InvitationFactory, organization=organization, status="lost")


def test_organization_status_must_be_known(db):
    _refused(OrganizationFactory, status="deleted")
    assert not Organization.objects.exists()


def test_organization_colours_must_be_hex_in_the_database(db):
    _refused(OrganizationFactory, primary_color="red")


def test_subscription_billing_status_must_be_known(organization):
    with pytest.raises(IntegrityError), transaction.atomic():
        Subscription.objects.filter(organization=organization).update(billing_status="free")
    assert Subscription.objects.get(organization=organization).billing_status == "active"


def test_template_kind_must_be_known(organization):
    _refused(TemplateFactory, organization=organization, kind="macro")
    assert not Template.objects.exists()

"""factory_boy factories for every model."""

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from causeloop.core.crypto import keyed_hash, random_secret
from memberships.models import Invitation, InviteCode, Membership, PersonalToken, User
from organizations.models import (
    ApiKey,
    Organization,
    Subscription,
    Template,
    Workspace,
    WorkspaceSettings,
)
from organizations.roles import Role


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Sequence(lambda n: f"User {n}")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()

    @factory.post_generation
    def verified_email(obj, create, extracted, **kwargs):
        """The address is verified (its link followed) unless `verified_email=False`."""
        if create and extracted is not False:
            EmailAddress.objects.create(user=obj, email=obj.email, primary=True, verified=True)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        skip_postgeneration_save = True  # the hook writes related rows, not the organization

    name = factory.Sequence(lambda n: f"Org {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")
    plan_id = "free"
    seats = 10

    @factory.post_generation
    def workspace(obj, create, extracted, **kwargs):
        if create:
            workspace = Workspace.objects.create(organization=obj, name=obj.name, slug=obj.slug)
            WorkspaceSettings.objects.create(organization=obj, workspace=workspace)
            Subscription.objects.create(organization=obj)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.MEMBER


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    organization = factory.SubFactory(OrganizationFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    role = Role.MEMBER
    token_hash = factory.LazyFunction(lambda: keyed_hash(random_secret()))


class InviteCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InviteCode

    organization = factory.SubFactory(OrganizationFactory)
    code = factory.Sequence(lambda n: f"CODE{n:04d}".replace("0", "A").replace("1", "B"))


class ApiKeyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApiKey

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"key {n}")
    key_hash = factory.LazyFunction(lambda: keyed_hash(random_secret()))
    last_four = "abcd"


class PersonalTokenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PersonalToken

    user = factory.SubFactory(UserFactory)
    name = "token"
    key_hash = factory.LazyFunction(lambda: keyed_hash(random_secret()))
    last_four = "wxyz"


class TemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Template

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Template {n}")
    kind = Template.Kind.PROMPT
    body = "Summarise {{ input }}."
    created_at = factory.LazyFunction(timezone.now)


def organization_with_owner(**owner_fields):
    """An organization and its owner (made with `owner_fields`), whose active organization it is."""
    organization = OrganizationFactory()
    owner = UserFactory(**owner_fields)
    MembershipFactory(user=owner, organization=organization, role=Role.OWNER, is_active=True)
    return organization, owner


def member_of(organization, role=Role.MEMBER, **user_fields):
    """A new person with `role` in `organization`, which is their active one."""
    user = UserFactory(**user_fields)
    MembershipFactory(user=user, organization=organization, role=role, is_active=True)
    return user

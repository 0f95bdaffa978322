"""Row-level security: the second wall under every tenant query (PostgreSQL)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import ProgrammingError, connection, transaction
from rest_framework.test import APIRequestFactory

from causeloop.core.crypto import keyed_hash
from causeloop.core.dbsecurity import POLICY_NAME, TENANT_TABLES
from causeloop.core.tenancy import (
    current_context,
    enter_platform,
    enter_tenant,
    enter_user,
    leave_all,
    platform_lookup,
)
from causeloop.web.authentication import BearerTokenAuthentication
from memberships.models import Invitation, InviteCode, Membership, PersonalToken, User
from organizations.audit import audit
from organizations.models import (
    ApiKey,
    AuditLog,
    Organization,
    Subscription,
    Template,
    Workspace,
    WorkspaceSettings,
)
from organizations.roles import Role
from tests.factories import (
    ApiKeyFactory,
    InvitationFactory,
    InviteCodeFactory,
    MembershipFactory,
    OrganizationFactory,
    PersonalTokenFactory,
    TemplateFactory,
    UserFactory,
)

# Through PgBouncer (transaction pooling) and Redis, as production runs (SPEC §12): each
# transaction on whichever server connection is free, and no setting carried to the next.
pytestmark = pytest.mark.usefixtures("through_pgbouncer_and_redis")

TENANT_MODELS = [
    Organization,
    Workspace,
    WorkspaceSettings,
    Subscription,
    ApiKey,
    Template,
    AuditLog,
    Membership,
    Invitation,
    InviteCode,
    PersonalToken,
]


def seed_tenant(name: str) -> dict:
    """An organization with a row in every tenant table (call in the platform context)."""
    org = OrganizationFactory(name=name, slug=name.lower())
    owner = UserFactory(email=f"owner@{name.lower()}.test")
    MembershipFactory(user=owner, organization=org, role=Role.OWNER, is_active=True)
    TemplateFactory(organization=org)
    ApiKeyFactory(organization=org, key_hash=keyed_hash(f"{name}_api_secret"))
    InvitationFactory(organization=org)
    InviteCodeFactory(organization=org)
    PersonalTokenFactory(user=owner)
    audit(org, actor=owner, action="workspace.created", target=org)
    return {"org": org, "owner": owner}


@pytest.fixture
def two_tenants(as_app, platform):
    with platform():
        return seed_tenant("Acme"), seed_tenant("Globex")


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in TENANT_MODELS}


# --- the catalogue ------------------------------------------------------------------------


def test_every_tenant_table_has_forced_rls_and_the_policy(db):
    with connection.cursor() as cursor:
        for label in TENANT_TABLES:
            table = apps.get_model(label)._meta.db_table
            cursor.execute(
                "SELECT c.relrowsecurity, c.relforcerowsecurity, "
                "(SELECT count(*) FROM pg_policies p WHERE p.tablename = c.relname "
                "AND p.policyname = %s) FROM pg_class c WHERE c.relname = %s",
                [POLICY_NAME, table],
            )
            assert cursor.fetchone() == (True, True, 1), table


def test_every_model_with_an_organization_is_a_tenant_table():
    """A model added later with a foreign key to Organization (directly, or through its
    workspace) must be listed in causeloop.core.dbsecurity.TENANT_TABLES and get its policy."""
    missing = []
    for model in apps.get_models():
        if model._meta.app_label not in {"causeloop", "organizations", "memberships", "onboarding"}:
            continue
        related = {
            field.related_model
            for field in model._meta.concrete_fields
            if field.is_relation and field.related_model is not None
        }
        if related & {Organization, Workspace} and model._meta.label not in TENANT_TABLES:
            missing.append(model._meta.label)
    assert missing == [], f"tenant tables without row-level security: {missing}"


def test_the_application_role_owns_nothing_and_cannot_bypass(db, rls_database):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles "
            "WHERE rolname = 'causeloop_app'"
        )
        assert cursor.fetchone() == (False, False, False, False)
        cursor.execute(
            "SELECT count(*) FROM pg_class WHERE relowner = "
            "(SELECT oid FROM pg_roles WHERE rolname = 'causeloop_app')"
        )
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT rolbypassrls FROM pg_roles WHERE rolname = 'causeloop_owner'")
        assert cursor.fetchone()[0] is False


# --- what each context sees ------------------------------------------------------------


def test_a_query_without_context_sees_no_tenant_row(two_tenants):
    with transaction.atomic():
        assert current_context()["app.current_org"] == ""
        assert set(counts().values()) == {0}
    # Outside any transaction too (autocommit): nothing.
    assert Template.objects.count() == 0
    assert Organization.objects.filter(slug="acme").first() is None


def test_an_unscoped_query_in_a_tenant_context_sees_only_that_tenant(two_tenants):
    acme, globex = (tenant["org"] for tenant in two_tenants)
    with transaction.atomic():
        enter_tenant(acme)
        # Deliberately unscoped: no `.filter(organization=…)` anywhere.
        assert list(Organization.objects.values_list("slug", flat=True)) == ["acme"]
        assert {t.organization_id for t in Template.objects.all()} == {acme.pk}
        assert {m.organization_id for m in Membership.objects.all()} == {acme.pk}
        assert {a.organization_id for a in AuditLog.objects.all()} == {acme.pk}
        assert {k.organization_id for k in ApiKey.objects.all()} == {acme.pk}
        assert Workspace.objects.get().organization_id == acme.pk
        assert WorkspaceSettings.objects.get().workspace.organization_id == acme.pk
        assert Template.objects.filter(organization=globex).count() == 0
        # Personal tokens belong to people, not tenants: not visible through the tenant.
        assert PersonalToken.objects.count() == 0


def test_a_tenant_context_cannot_write_into_another_tenant(two_tenants):
    acme, globex = (tenant["org"] for tenant in two_tenants)
    with transaction.atomic():
        enter_tenant(acme)
        assert Template.objects.filter(organization_id=globex.pk).update(name="pwned") == 0
        assert Organization.objects.filter(pk=globex.pk).delete()[0] == 0
        with pytest.raises(ProgrammingError, match="row-level security"), transaction.atomic():
            Template.objects.create(organization_id=globex.pk, name="planted")
    with platform_context():
        assert not Template.objects.filter(name__in=["pwned", "planted"]).exists()


def test_the_user_context_sees_own_memberships_and_organizations_only(two_tenants):
    acme, globex = (tenant["org"] for tenant in two_tenants)
    owner = two_tenants[0]["owner"]
    with platform_context():
        MembershipFactory(user=owner, organization=globex, role=Role.MEMBER)
    with transaction.atomic():
        enter_user(owner)
        mine = Membership.objects.all()
        assert {m.organization_id for m in mine} == {acme.pk, globex.pk}
        assert {m.user_id for m in mine} == {owner.pk}
        assert set(Organization.objects.values_list("pk", flat=True)) == {acme.pk, globex.pk}
        assert set(PersonalToken.objects.values_list("user_id", flat=True)) == {owner.pk}
        assert Template.objects.count() == 0  # tenant data needs the tenant context


def test_settings_are_transaction_local(two_tenants):
    acme = two_tenants[0]["org"]
    with transaction.atomic():
        enter_tenant(acme)
        enter_platform()
        assert Organization.objects.count() == 2
    with transaction.atomic():
        assert current_context()["app.platform"] == ""
        assert Organization.objects.count() == 0


def test_platform_lookup_is_scoped_to_its_block(two_tenants):
    acme = two_tenants[0]["org"]
    with transaction.atomic():
        enter_tenant(acme)
        with platform_lookup():
            assert Organization.objects.count() == 2
        assert Organization.objects.count() == 1
        enter_platform()
        with platform_lookup():
            pass
        assert Organization.objects.count() == 2  # an outer platform context is restored
        leave_all()
        assert Organization.objects.count() == 0


def test_the_owner_role_is_held_by_forced_rls_too(two_tenants, django_db_blocker):
    from tests.security.conftest import OWNER_ROLE, connected_as

    with connected_as(OWNER_ROLE):
        assert Template.objects.count() == 0
        with transaction.atomic():
            enter_tenant(two_tenants[1]["org"])
            assert Template.objects.count() == 1


# --- the flows that run before a tenant is known, through the application role --------------


def test_api_key_authentication_enters_the_key_s_tenant(two_tenants):
    acme = two_tenants[0]["org"]
    request = APIRequestFactory().get("/api/v1/", HTTP_AUTHORIZATION="Bearer Acme_api_secret")
    with transaction.atomic():
        _user, api_key = BearerTokenAuthentication().authenticate(request)
        assert api_key.organization_id == acme.pk
        assert list(Organization.objects.values_list("pk", flat=True)) == [acme.pk]
        assert current_context()["app.platform"] == ""


def test_personal_token_authentication_enters_the_user(two_tenants):
    from memberships.services.tokens import personal_token_create

    owner = two_tenants[1]["owner"]
    with transaction.atomic():
        enter_user(owner)
        _token, secret = personal_token_create(user=owner, name="cli")
    request = APIRequestFactory().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    with transaction.atomic():
        user, _ = BearerTokenAuthentication().authenticate(request)
        assert user.pk == owner.pk
        assert {m.organization_id for m in Membership.objects.all()} == {two_tenants[1]["org"].pk}


@pytest.mark.usefixtures("_no_zeal")
def test_invitation_and_invite_code_flows_work_under_the_application_role(two_tenants):
    from memberships.services.invitations import (
        invitation_accept,
        invitation_by_token,
        invitation_create,
    )
    from memberships.services.invite_codes import invite_code_create, invite_code_join

    acme, globex = (tenant["org"] for tenant in two_tenants)
    invitee = User.objects.create_user("new@person.test", "long-enough-password-1")
    with transaction.atomic():
        enter_tenant(acme)
        _invitation, token = invitation_create(
            organization=acme,
            actor=two_tenants[0]["owner"],
            email=invitee.email,
            role="analyst",
        )
        code = invite_code_create(organization=acme, actor=two_tenants[0]["owner"]).code
    with transaction.atomic():  # the invitation page: nothing but the signed-in person
        enter_user(invitee)
        membership = invitation_accept(invitation=invitation_by_token(token), user=invitee)
        assert membership.organization_id == acme.pk
    second = User.objects.create_user("joiner@person.test", "long-enough-password-1")
    with transaction.atomic():
        enter_user(second)
        assert invite_code_join(code=code, user=second).organization_id == acme.pk
    with platform_context():
        assert Membership.objects.filter(organization=acme).count() == 3
        assert Membership.objects.filter(organization=globex).count() == 1


def test_creating_an_organization_as_a_user_sees_other_tenants_slugs(two_tenants):
    from onboarding.lifecycle import organization_create

    user = User.objects.create_user("founder@new.test", "long-enough-password-1")
    with transaction.atomic():
        enter_user(user)
        organization = organization_create(user=user, name="Acme")
        assert organization.slug == "acme-2"  # "acme" belongs to another tenant
        assert Membership.objects.get(user=user).role == Role.OWNER
        assert Workspace.objects.get(organization=organization)


def platform_context():
    from causeloop.core.tenancy import platform_work

    return platform_work()


@pytest.mark.usefixtures("_no_zeal")
def test_services_that_move_a_person_across_organizations_see_all_their_memberships(two_tenants):
    """Adding someone active elsewhere, and purging their active organization, touch their
    memberships in other tenants: the services act for that person, not blind to them."""
    from memberships.services.members import membership_add
    from memberships.services.tokens import personal_token_create
    from onboarding.purge import organization_purge

    acme, globex = (tenant["org"] for tenant in two_tenants)
    globex_owner = two_tenants[1]["owner"]  # active in Globex
    with transaction.atomic():
        enter_tenant(acme)
        membership_add(
            organization=acme,
            actor=None,  # the platform: nobody else adds a person directly
            email=globex_owner.email,
            role="member",
        )
    with transaction.atomic():
        enter_tenant(globex)
        organization_purge(organization=globex)
    with platform_context():
        active = Membership.objects.filter(user=globex_owner, is_active=True)
        assert [m.organization_id for m in active] == [acme.pk]
    # Asking for a personal token with email and password: no session, no context yet.
    with transaction.atomic():
        token, _secret = personal_token_create(user=globex_owner, name="cli")
    with platform_context():
        assert PersonalToken.objects.filter(pk=token.pk).exists()

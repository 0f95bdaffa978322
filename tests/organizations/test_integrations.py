"""Integrations at the service level (§9): the credential sealed at rest and never shown again,
names unique whatever their case, the plan's providers limit, roles, and the audit rows and
events each change writes."""

from __future__ import annotations

import pytest
from django.db import connection
from zeal import zeal_ignore

from causeloop.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from organizations.models import AuditLog, Event, Integration, Run
from organizations.roles import Role
from organizations.services.integrations import (
    IntegrationChanges,
    integration_create,
    integration_delete,
    integration_secret,
    integration_update,
)
from organizations.services.plans import limits_override, organization_change_plan
from organizations.services.runs import run_start
from tests.factories import ApiKeyFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_no_zeal")]

SECRET = "sk-live-0123456789abcdefWXYZ"


@pytest.fixture
def _no_zeal():
    # Several service calls in a row repeat the same queries by design; that is no N+1.
    with zeal_ignore():
        yield


def create(organization, actor, name="Main OpenAI", kind="openai", credential=SECRET):
    return integration_create(
        organization=organization, actor=actor, name=name, kind=kind, credential=credential
    )


def trail(organization) -> tuple[int, int, int]:
    return (
        Integration.objects.filter(organization=organization).count(),
        AuditLog.objects.filter(organization=organization).count(),
        Event.objects.filter(organization=organization).count(),
    )


def test_the_credential_is_encrypted_at_rest_and_only_its_last_four_are_kept_in_clear(
    organization, admin_user
):
    integration = create(organization, admin_user, credential=f"  {SECRET}  ")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT credential, last_four FROM organizations_integration WHERE id = %s",
            [integration.pk],
        )
        stored, last_four = cursor.fetchone()
    assert SECRET.encode() not in bytes(stored)
    assert b"0123456789" not in bytes(stored)
    assert last_four == "WXYZ"
    stored_row = Integration.objects.get(pk=integration.pk)
    assert integration_secret(stored_row) == SECRET  # trimmed, as given inside
    assert str(stored_row) == "Main OpenAI (OpenAI, …WXYZ)"


def test_creating_writes_an_audit_row_and_its_event_that_carry_the_fingerprint_not_the_secret(
    organization, admin_user
):
    integration = create(organization, admin_user)
    row = AuditLog.objects.get(organization=organization, action="integration.created")
    assert (row.actor_user_id, row.target_id) == (admin_user.pk, integration.pk)
    assert row.details == {"name": "Main OpenAI", "kind": "openai", "fingerprint": "WXYZ"}
    event = Event.objects.get(organization=organization, type="integration.created")
    assert event.data["audit_id"] == row.pk
    assert event.data["target"]["id"] == integration.pk
    assert SECRET not in str(row.details) + str(event.data)


def test_a_name_is_unique_in_an_organization_whatever_its_case(
    organization, other_organization, admin_user, make_member
):
    create(organization, admin_user, name="Main OpenAI")
    limits_override(organization=organization, limits={"providers": 5})
    before = trail(organization)
    with pytest.raises(Conflict) as taken:
        create(organization, admin_user, name="  main openai ", kind="anthropic")
    assert taken.value.code == "integration_name_taken"
    assert taken.value.fields == {"name": ["Another integration has this name."]}
    assert trail(organization) == before
    # Another organization may use the name.
    create(other_organization, make_member(other_organization, Role.ADMIN), name="MAIN OPENAI")


def test_renaming_onto_another_integrations_name_is_refused_whatever_its_case(
    organization, admin_user
):
    limits_override(organization=organization, limits={"providers": 5})
    create(organization, admin_user, name="Alpha")
    beta = create(organization, admin_user, name="Beta")
    before = trail(organization)
    with pytest.raises(Conflict) as taken:
        integration_update(
            integration=beta, actor=admin_user, changes=IntegrationChanges(name="ALPHA")
        )
    assert taken.value.code == "integration_name_taken"
    assert Integration.objects.get(pk=beta.pk).name == "Beta"
    assert trail(organization) == before
    # A change of case of its own name is no clash.
    integration_update(integration=beta, actor=admin_user, changes=IntegrationChanges(name="BETA"))
    assert Integration.objects.get(pk=beta.pk).name == "BETA"


def test_the_providers_limit_admits_the_last_integration_and_refuses_the_next(
    organization, admin_user
):
    limits_override(organization=organization, limits={"providers": 3})
    for n in range(3):  # the third is at limit - 1 when it is added
        create(organization, admin_user, name=f"Provider {n}")
    before = trail(organization)
    with pytest.raises(Conflict) as refused:
        create(organization, admin_user, name="One too many")
    assert refused.value.code == "provider_limit_reached"
    assert refused.value.fields == {"limit": ["3"]}
    assert trail(organization) == before


def test_the_plans_providers_limit_applies_and_a_plan_change_lifts_it_at_once(
    organization, owner, admin_user
):
    create(organization, admin_user, name="First")  # free: one provider
    with pytest.raises(Conflict) as refused:
        create(organization, admin_user, name="Second")
    assert refused.value.code == "provider_limit_reached"
    organization_change_plan(organization=organization, actor=owner, plan="starter")
    create(organization, admin_user, name="Second")
    assert Integration.objects.filter(organization=organization).count() == 2


def test_deleting_one_makes_room_again(organization, admin_user):
    first = create(organization, admin_user, name="First")
    integration_delete(integration=first, actor=admin_user)
    create(organization, admin_user, name="Second")
    assert list(Integration.objects.filter(organization=organization).values_list("name")) == [
        ("Second",)
    ]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.OWNER])
def test_admins_and_owners_add_integrations(organization, make_member, role):
    person = make_member(organization, role)
    integration = create(organization, person)
    assert integration.created_by_id == person.pk


@pytest.mark.parametrize("role", [Role.MEMBER, Role.ANALYST])
def test_members_and_analysts_cannot_add_change_or_remove_one(
    organization, admin_user, make_member, role
):
    integration = create(organization, admin_user)
    person = make_member(organization, role)
    before = trail(organization)
    with pytest.raises(Forbidden):
        create(organization, person, name="Mine")
    with pytest.raises(Forbidden):
        integration_update(
            integration=integration, actor=person, changes=IntegrationChanges(name="Renamed")
        )
    with pytest.raises(Forbidden):
        integration_delete(integration=integration, actor=person)
    assert trail(organization) == before
    assert Integration.objects.get(pk=integration.pk).name == "Main OpenAI"


def test_an_outsider_and_another_organizations_key_get_not_found(
    organization, other_organization, make_member
):
    outsider = make_member(other_organization, Role.OWNER)
    for actor in (outsider, ApiKeyFactory(organization=other_organization)):
        with pytest.raises(NotFound):
            create(organization, actor)
    assert trail(organization) == (0, 0, 0)


def test_an_api_key_adds_one_as_its_organizations_admin(organization):
    key = ApiKeyFactory(organization=organization)
    integration = create(organization, key)
    assert integration.created_by_id is None
    row = AuditLog.objects.get(organization=organization, action="integration.created")
    assert row.actor_api_key_id == key.pk


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "openai-compatible"}, "kind"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "Bad\x00name"}, "name"),
        ({"credential": "short"}, "credential"),
        ({"credential": "x" * 10_001}, "credential"),
        ({"credential": "line\nbreak-secret"}, "credential"),
        ({"credential": 12345678}, "credential"),
    ],
)
def test_bad_input_is_refused_with_its_field_and_changes_nothing(
    organization, admin_user, fields, field
):
    with pytest.raises(ValidationFailed) as refused:
        create(organization, admin_user, **fields)
    assert field in refused.value.fields
    assert trail(organization) == (0, 0, 0)


def test_replacing_the_credential_reseals_it_and_audits_the_new_fingerprint(
    organization, admin_user
):
    integration = create(organization, admin_user)
    sealed = bytes(Integration.objects.get(pk=integration.pk).credential)
    integration_update(
        integration=integration,
        actor=admin_user,
        changes=IntegrationChanges(credential="sk-new-secret-9876"),
    )
    stored = Integration.objects.get(pk=integration.pk)
    assert bytes(stored.credential) != sealed
    assert integration_secret(stored) == "sk-new-secret-9876"
    assert stored.last_four == "9876"
    row = AuditLog.objects.get(organization=organization, action="integration.updated")
    assert row.details == {"name": "Main OpenAI", "credential": "replaced", "fingerprint": "9876"}
    assert Event.objects.filter(organization=organization, type="integration.updated").exists()


def test_an_update_that_changes_nothing_writes_nothing(organization, admin_user):
    integration = create(organization, admin_user)
    before = trail(organization)
    integration_update(
        integration=integration, actor=admin_user, changes=IntegrationChanges(name="Main OpenAI")
    )
    assert trail(organization) == before


def test_deleting_keeps_the_runs_history_and_is_audited(organization, admin_user, member):
    integration = create(organization, admin_user)
    run = run_start(organization=organization, actor=member, integration=integration.pk).run
    integration_delete(integration=integration, actor=admin_user)
    assert not Integration.objects.filter(pk=integration.pk).exists()
    assert Run.objects.get(pk=run.pk).integration_id is None
    row = AuditLog.objects.get(organization=organization, action="integration.deleted")
    assert row.details == {"name": "Main OpenAI", "kind": "openai"}
    assert Event.objects.filter(organization=organization, type="integration.deleted").exists()

"""onboard_client: one transaction, validation of every parameter, idempotency."""

import pytest
from django.db import DataError
from zeal import zeal_ignore

from causeloop.core.errors import Conflict, ValidationFailed
from memberships.models import Membership, User
from onboarding.fields import Face
from onboarding.services.dryrun import onboard_dryrun
from onboarding.services.offboard import client_summary, offboard_client
from onboarding.services.onboard import OnboardRequest, onboard_client, onboard_request_from
from organizations.audit import audit_entry
from organizations.models import (
    AuditLog,
    Organization,
    Subscription,
    Workspace,
    WorkspaceSettings,
)
from organizations.roles import Role
from tests.factories import OrganizationFactory, UserFactory

ACME = {"org_name": "Acme Corp", "org_slug": "acme", "owner_email": "alice@acme.com"}
TABLES = (Organization, Workspace, WorkspaceSettings, Subscription, Membership, AuditLog)


def _counts():
    return {model.__name__: model.objects.count() for model in (*TABLES, User)}


def test_onboard_client_provisions_everything_with_prefixed_ids(db):
    result = onboard_client(
        request=OnboardRequest(**ACME, plan="growth", timezone="America/New_York")
    )

    assert result.created is True
    assert result.as_dict().keys() == {
        "org_id",
        "workspace_id",
        "user_id",
        "membership_id",
        "created",
    }
    organization = Organization.objects.select_related("plan").get(pk=result.org_id)
    assert (organization.name, organization.slug, organization.status) == (
        "Acme Corp",
        "acme",
        "active",
    )
    assert organization.plan_id == "growth"
    assert organization.seats == 50
    workspace = Workspace.objects.get(pk=result.workspace_id, organization=organization)
    assert workspace.name == "Acme Corp"
    assert workspace.slug == "acme-corp"
    assert WorkspaceSettings.objects.get(workspace=workspace).timezone == "America/New_York"
    subscription = Subscription.objects.get(organization=organization)
    assert subscription.billing_status == "trialing"
    assert subscription.trial_ends_at is not None
    owner = User.objects.get(pk=result.user_id)
    assert owner.email == "alice@acme.com"
    assert owner.name == "alice"
    assert not owner.has_usable_password()
    membership = Membership.objects.get(pk=result.membership_id)
    assert (membership.user_id, membership.role, membership.is_active) == (
        owner.pk,
        Role.OWNER,
        True,
    )
    row = AuditLog.objects.get(organization=organization)
    assert row.action == "workspace.created"
    assert row.workspace_id == workspace.pk
    for prefix, value in zip(
        ("org_", "ws_", "usr_", "mem_"), list(result.as_dict().values())[:4], strict=True
    ):
        assert value.startswith(prefix)


def test_free_plan_defaults_to_ten_seats_and_an_active_subscription(db):
    result = onboard_client(request=OnboardRequest(**ACME))
    organization = Organization.objects.get(pk=result.org_id)
    assert organization.plan_id == "free"
    assert organization.seats == 10
    assert organization.timezone == "UTC"
    assert Subscription.objects.get(organization=organization).billing_status == "active"


def test_optional_parameters_are_used(db):
    values = {
        **ACME,
        "owner_name": "Alice Liddell",
        "workspace_name": "Research",
        "plan": "starter",
        "seats": "40",
        "timezone": "Europe/Paris",
    }
    result = onboard_client(request=onboard_request_from(values, face=Face.COMMAND))
    organization = Organization.objects.get(pk=result.org_id)
    assert organization.seats == 40
    assert organization.plan_id == "starter"
    assert Workspace.objects.get(pk=result.workspace_id).name == "Research"
    assert User.objects.get(pk=result.user_id).name == "Alice Liddell"


def test_running_it_again_returns_the_same_ids_and_changes_nothing(db):
    first = onboard_client(request=OnboardRequest(**ACME))
    before = _counts()
    with zeal_ignore():
        again = onboard_client(
            request=OnboardRequest(**{**ACME, "org_slug": "ACME", "owner_email": "Alice@ACME.com"})
        )
    assert again.created is False
    assert {**again.as_dict(), "created": True} == first.as_dict()
    assert _counts() == before


def test_a_slug_owned_by_someone_else_is_slug_taken(db):
    onboard_client(request=OnboardRequest(**ACME))
    before = _counts()
    with pytest.raises(Conflict) as error, zeal_ignore():
        onboard_client(request=OnboardRequest(**{**ACME, "owner_email": "mallory@evil.com"}))
    assert error.value.code == "slug_taken"
    assert error.value.message == 'The address "acme" is taken — try "acme-2".'
    assert list(error.value.fields) == ["org_slug"]
    assert _counts() == before


def test_an_existing_user_is_reused_whatever_the_email_case(db):
    alice = UserFactory(email="alice@acme.com")
    result = onboard_client(request=OnboardRequest(**{**ACME, "owner_email": "ALICE@acme.com"}))
    assert result.user_id == alice.pk
    assert User.objects.filter(email__iexact="alice@acme.com").count() == 1


def test_a_user_with_an_active_organization_keeps_it_active(organization, owner):
    result = onboard_client(request=OnboardRequest(**{**ACME, "owner_email": owner.email}))
    assert Membership.objects.get(user=owner, organization=organization).is_active
    assert not Membership.objects.get(pk=result.membership_id).is_active


def test_the_slug_is_lower_cased(db):
    result = onboard_client(request=OnboardRequest(**{**ACME, "org_slug": "  Acme-Labs  "}))
    assert Organization.objects.get(pk=result.org_id).slug == "acme-labs"


def _audit_entry_the_database_refuses(organization, **kwargs):
    entry = audit_entry(organization, **kwargs)
    entry.action = "x" * 200  # longer than the column allows
    return entry


def test_a_failure_at_the_last_step_leaves_nothing_behind(db, monkeypatch):
    monkeypatch.setattr("onboarding.lifecycle.audit_entry", _audit_entry_the_database_refuses)
    with pytest.raises(DataError):
        onboard_client(request=OnboardRequest(**ACME))
    assert _counts() == {name: 0 for name in _counts()}


def test_a_failing_audit_insert_rolls_back_even_an_existing_users_new_rows(db, monkeypatch):
    alice = UserFactory(email="alice@acme.com")
    monkeypatch.setattr("onboarding.lifecycle.audit_entry", _audit_entry_the_database_refuses)
    with pytest.raises(DataError):
        onboard_client(request=OnboardRequest(**ACME))
    assert _counts() == {**{model.__name__: 0 for model in TABLES}, "User": 1}
    assert User.objects.get().pk == alice.pk


BAD_INPUT = [
    ("org_name", "", "org_name"),
    ("org_name", "   ", "org_name"),
    ("org_name", "x" * 201, "org_name"),
    ("org_name", "Acme\x00Corp", "org_name"),
    ("org_name", "Acme\nCorp", "org_name"),
    ("org_name", 42, "org_name"),
    ("org_slug", "ab", "org_slug"),
    ("org_slug", "a" * 51, "org_slug"),
    ("org_slug", "-acme", "org_slug"),
    ("org_slug", "acme-", "org_slug"),
    ("org_slug", "ac me", "org_slug"),
    ("org_slug", "acmé", "org_slug"),
    ("org_slug", "admin", "org_slug"),
    ("org_slug", "platform-admin", "org_slug"),
    ("org_slug", "API", "org_slug"),
    ("org_slug", None, "org_slug"),
    ("owner_email", "not-an-email", "owner_email"),
    ("owner_email", "", "owner_email"),
    ("owner_email", "a@b", "owner_email"),
    ("owner_email", "alice@acme.com\r\nBcc: x@y.z", "owner_email"),
    ("owner_name", "x" * 201, "owner_name"),
    ("workspace_name", "bad\x07name", "workspace_name"),
    ("plan", "platinum", "plan"),
    ("plan", ["free"], "plan"),
    ("timezone", "Mars/Olympus", "timezone"),
    ("timezone", "utc ", "timezone"),
    ("seats", 0, "seats"),
    ("seats", -5, "seats"),
    ("seats", "ten", "seats"),
    ("seats", 100_001, "seats"),
    ("seats", True, "seats"),
    ("seats", 2.5, "seats"),
]


@pytest.mark.parametrize(("parameter", "value", "field"), BAD_INPUT)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_written(db, parameter, value, field):
    with pytest.raises(ValidationFailed) as error:
        onboard_client(request=onboard_request_from({**ACME, parameter: value}, face=Face.FORM))
    assert list(error.value.fields) == [field]
    assert error.value.message.startswith(f"{field}: ")
    assert len(error.value.message) > len(field) + 10
    assert _counts() == {name: 0 for name in _counts()}


def test_every_bad_field_is_reported_at_once(db):
    with pytest.raises(ValidationFailed) as error:
        onboard_client(
            request=OnboardRequest(org_name="", org_slug="x", owner_email="nope", plan="gold")
        )
    assert set(error.value.fields) == {"org_name", "org_slug", "owner_email", "plan"}


def test_reserved_slug_names_the_reason(db):
    with pytest.raises(ValidationFailed) as error:
        onboard_client(request=OnboardRequest(**{**ACME, "org_slug": "Admin"}))
    assert error.value.fields["org_slug"] == ['"admin" is reserved; choose another slug.']


def test_dry_run_reports_every_check_and_writes_nothing(organization):
    report = onboard_dryrun(
        values={
            "org_name": "Acme",
            "org_slug": organization.slug,
            "owner_email": "bad",
            "plan": "free",
        }
    )
    verdicts = {row["check_name"]: row["passed"] for row in report["validation_results"]}
    assert verdicts["email_format"] is False
    assert verdicts["slug_available"] is False
    assert verdicts["org_name_valid"]
    assert verdicts["slug_format"]
    assert verdicts["plan_valid"]
    assert report["ready_for_onboarding"] is False
    assert Organization.objects.count() == 1

    ready = onboard_dryrun(values=ACME)
    assert ready["ready_for_onboarding"] is True
    assert ready["validation_summary"]["failed"] == 0
    assert Organization.objects.count() == 1


def test_offboarding_suspends_and_reinstates_with_audit_rows(db):
    onboard_client(request=OnboardRequest(**ACME))
    assert offboard_client(slug="acme", action="suspend")["status"] == "suspended"
    organization = Organization.objects.get(slug="acme")
    assert organization.status == "suspended"
    assert organization.suspended_at is not None
    with zeal_ignore():  # the second call reads the organization again: no N+1
        assert offboard_client(slug="ACME", action="reinstate")["status"] == "active"
    actions = list(AuditLog.objects.order_by("created_at").values_list("action", flat=True))
    assert actions == ["workspace.created", "organization.suspended", "organization.reinstated"]


def test_purging_a_client_keeps_its_users(db):
    result = onboard_client(request=OnboardRequest(**ACME))
    outcome = offboard_client(slug="acme", action="purge")
    assert outcome["status"] == "purged"
    assert {model.__name__: model.objects.count() for model in TABLES} == {
        model.__name__: 0 for model in TABLES
    }
    assert User.objects.filter(pk=result.user_id).exists()


def test_client_summary_shows_the_organization_workspace_owner_and_audit(db):
    result = onboard_client(request=OnboardRequest(**ACME, plan="starter"))
    OrganizationFactory()
    summary = client_summary("acme")
    assert summary["organization"]["id"] == result.org_id
    assert summary["organization"]["plan"] == "starter"
    assert summary["organization"]["seats"] == 15
    assert summary["workspace"]["id"] == result.workspace_id
    assert [owner["membership_id"] for owner in summary["owners"]] == [result.membership_id]
    assert [row["action"] for row in summary["audit_log"]] == ["workspace.created"]


def test_an_existing_user_without_an_active_membership_gets_this_one_active(db):
    alice = UserFactory(email="alice@acme.com")
    result = onboard_client(request=OnboardRequest(**ACME))
    assert result.user_id == alice.pk
    assert Membership.objects.get(pk=result.membership_id).is_active


def test_onboarding_a_new_owner_costs_a_fixed_small_number_of_queries(
    db, django_assert_max_num_queries
):
    # validation (plan), the idempotency lookup, the owner lookup and insert (in a savepoint),
    # the tenant context, six inserts, and the transaction itself.
    with django_assert_max_num_queries(15):
        onboard_client(request=OnboardRequest(**ACME))
    with django_assert_max_num_queries(15), zeal_ignore():
        onboard_client(
            request=OnboardRequest(
                **{**ACME, "org_slug": "acme-two", "owner_email": "bob@acme.com"}
            )
        )

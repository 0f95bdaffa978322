"""The purge: suspended and marked first (for good), then every table beneath the organization
in bounded batches, then the organization; users, other tenants and nothing else stay, and no
file outlives it. Concurrency: tests/security/test_purge_races.py."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test import override_settings
from zeal import zeal_ignore

from causeloop.core.errors import Conflict
from memberships.models import Membership, User
from onboarding import purge
from onboarding.purge import (
    organization_purge,
    organization_purge_begin,
    organization_purge_queue,
    purge_order,
    purge_organization,
)
from organizations.audit import audit
from organizations.models import AuditLog, Organization
from organizations.roles import Role
from organizations.services.api_keys import api_key_provision
from organizations.services.organizations import organization_reinstate
from tests.api.conftest import client_with, token_client
from tests.factories import MembershipFactory, OrganizationFactory
from tests.onboarding.tenant_data import fill_tenant

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_no_zeal")]

DUMMY_TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def _no_zeal():
    with zeal_ignore():
        yield


def _rows_beneath(organization_id: str) -> dict[str, int]:
    """Every row left that names the organization, by model (zero counts left out)."""
    counts = {}
    for model in (*purge_order(), AuditLog, Organization):
        column = "pk" if model is Organization else purge._organization_column(model)
        count = model._base_manager.filter(**{column: organization_id}).count()
        if count:
            counts[model._meta.label] = count
    return counts


def _stored_files() -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    return [str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()]


def test_a_purge_deletes_thousands_of_rows_in_every_table_in_batches_and_keeps_users(
    django_capture_on_commit_callbacks,
):
    doomed, kept = OrganizationFactory(slug="doomed"), OrganizationFactory(slug="kept")
    made = fill_tenant(doomed, members=1200, audit_rows=2500)
    fill_tenant(kept, members=5, audit_rows=5)
    # Someone active in the purged organization who belongs to another one too.
    elsewhere = MembershipFactory(user=made["users"][1], organization=kept, is_active=False)
    before = _rows_beneath(kept.pk)
    batches = []

    with django_capture_on_commit_callbacks(execute=True):
        deleted = organization_purge(
            organization=doomed,
            batch_size=500,
            on_progress=lambda label, count: batches.append((label, count)),
        )

    assert _rows_beneath(doomed.pk) == {}
    assert _rows_beneath(kept.pk) == before  # another tenant's rows are all there
    assert deleted["Membership"] == 1200
    assert deleted["AuditLog"] == 2500
    assert deleted["Organization"] == 1
    assert max(count for _label, count in batches) == 500  # never more per statement
    assert ("memberships.Membership", 500) in batches
    assert User.objects.filter(pk__in=[user.pk for user in made["users"]]).count() == 1200
    elsewhere.refresh_from_db()
    assert elsewhere.is_active  # the purged organization was their active one
    assert made["export_file"] not in _stored_files()  # export files go with their rows


def test_the_order_deletes_every_referencing_row_before_what_it_references():
    order = purge_order()
    position = {model: index for index, model in enumerate(order)}
    for model in order:
        for field in model._meta.concrete_fields:
            target = field.related_model if field.is_relation else None
            if target in position and target is not model:
                assert position[model] < position[target], (model, target)
    labels = {model._meta.label for model in order}
    assert {"webhooks.WebhookDelivery", "organizations.DataExport", "directory.Domain"} <= labels
    assert "organizations.AuditLog" not in labels  # its own function, after the rest


def test_beginning_a_purge_suspends_the_organization_for_good(organization, owner):
    organization_purge_begin(organization=organization)
    organization.refresh_from_db()
    assert organization.status == Organization.Status.SUSPENDED
    assert organization.purge_started_at is not None
    with pytest.raises(Conflict) as refused:
        organization_reinstate(organization=organization)
    assert refused.value.code == "organization_purging"
    # The database keeps it so whoever tries.
    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.filter(pk=organization.pk).update(status="active")
    with (
        pytest.raises(DatabaseError, match="being purged stays so"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE organizations_organization SET purge_started_at = NULL WHERE id = %s",
            [organization.pk],
        )


def test_a_suspended_organization_being_purged_refuses_its_members_and_keys(organization, owner):
    _key, secret = api_key_provision(organization=organization, name="ci")
    organization_purge_begin(organization=organization)
    for client in (token_client(owner), client_with(HTTP_AUTHORIZATION=f"Bearer {secret}")):
        response = client.post(
            f"/api/v1/organizations/{organization.pk}/templates",
            {"name": "T", "kind": "agent"},
            format="json",
        )
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "organization_suspended"


@override_settings(TASKS=DUMMY_TASKS)
def test_queueing_a_purge_suspends_now_and_leaves_the_rows_to_the_task(organization, owner):
    organization_purge_queue(organization=organization)
    organization.refresh_from_db()
    assert organization.purge_started_at is not None
    assert Membership.objects.filter(organization=organization).exists()
    purge_organization.call(organization.pk)  # what the worker runs
    assert not Organization.objects.filter(pk=organization.pk).exists()
    assert purge_organization.call(organization.pk) == {}  # once gone: nothing to do


def test_an_interrupted_purge_finishes_when_run_again(organization, monkeypatch):
    fill_tenant(organization, members=30, audit_rows=30)
    real = purge._final_pass

    def worker_stopped(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(purge, "_final_pass", worker_stopped)
    with pytest.raises(KeyboardInterrupt):
        organization_purge(organization=organization, batch_size=7)
    assert Organization.objects.filter(pk=organization.pk).exists()
    monkeypatch.setattr(purge, "_final_pass", real)
    purge_organization.call(organization.pk)
    assert _rows_beneath(organization.pk) == {}


def test_purge_activates_the_earliest_other_membership_of_each_member(organization):
    other, later = OrganizationFactory(), OrganizationFactory()
    person = MembershipFactory(organization=organization, role=Role.OWNER, is_active=True).user
    earliest = MembershipFactory(user=person, organization=other)
    MembershipFactory(user=person, organization=later)
    organization_purge(organization=organization)
    assert list(Membership.objects.filter(user=person, is_active=True)) == [earliest]


def test_the_command_reports_its_progress_on_stderr_and_its_result_on_stdout(organization, owner):
    audit(organization, actor=owner, action="organization.updated")
    out, err = io.StringIO(), io.StringIO()
    call_command("offboard_client", organization.slug, "--purge", "--yes", stdout=out, stderr=err)
    out, err = out.getvalue(), err.getvalue()
    result = json.loads(out)
    assert result["deleted"]["Membership"] == 1
    assert "deleted 1 memberships.Membership row(s)" in err
    assert "organizations.AuditLog row(s)" in err

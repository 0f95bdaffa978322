"""Data exports as background work: the document streamed chunk by chunk (every row once, in
order, memory bounded), progress recorded, the link mailed, one export at a time, failures
recorded, expired files deleted. The API: tests/api/test_exports.py; the page:
tests/pages/test_data_exports.py."""

from __future__ import annotations

import contextvars
import io
import json
import tracemalloc
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import override_settings
from django.utils import timezone
from zeal import listeners as zeal_listeners
from zeal import zeal_ignore

from onboarding.services import exports
from onboarding.services.exports import data_export_request, data_exports_prune
from organizations.models import AuditLog, DataExport
from organizations.roles import Role
from organizations.services import export as document
from organizations.services.api_keys import api_key_provision
from organizations.services.export import export_write
from tests.factories import MembershipFactory, UserFactory
from tests.onboarding.tenant_data import fill_tenant

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_no_zeal")]

DUMMY_TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def _no_zeal():
    with zeal_ignore():
        yield


def _document(organization) -> dict:
    out = io.StringIO()
    export_write(organization, out)
    return json.loads(out.getvalue())


def _stored_files() -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    return [str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()]


def test_the_document_holds_every_row_once_in_order_across_chunks(organization, monkeypatch):
    fill_tenant(organization, members=23, audit_rows=31)
    # Rows that tie on their moment: the keyset goes on by ID.
    moment = timezone.now() - timedelta(days=1)
    AuditLog.objects.bulk_create(
        [
            AuditLog(organization=organization, action="organization.updated", created_at=moment)
            for _ in range(9)
        ]
    )
    monkeypatch.setattr(document, "CHUNK", 4)

    data = _document(organization)

    members = organization.memberships.order_by("joined_at", "pk")
    assert [m["id"] for m in data["members"]] == list(members.values_list("pk", flat=True))
    audit_rows = organization.audit_logs.order_by("-created_at", "-pk")
    assert [a["id"] for a in data["audit_log"]] == list(audit_rows.values_list("pk", flat=True))
    assert len(data["audit_log"]) == 40
    assert [t["name"] for t in data["templates"]] == sorted(t["name"] for t in data["templates"])
    assert [u["date"] for u in data["usage"]] == sorted(u["date"] for u in data["usage"])
    assert data["organization"]["id"] == organization.pk


def test_an_empty_list_is_an_empty_list(organization):
    data = _document(organization)
    assert data["members"] == []
    assert data["audit_log"] == []


def test_writing_the_document_holds_a_chunk_in_memory_not_the_tenant(organization, monkeypatch):
    """Ten times the rows, about the same peak: the rows never are in memory together."""
    monkeypatch.setattr(document, "CHUNK", 200)

    def peak_with(rows: int) -> int:
        AuditLog.objects.bulk_create(
            [
                AuditLog(
                    organization=organization, action="member.joined", details={"n": "x" * 200}
                )
                for _ in range(rows)
            ]
        )
        tracemalloc.start()
        try:
            without_zeal(lambda: export_write(organization, _Discard()))
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small = peak_with(400)
    large = peak_with(3600)  # 4,000 rows in all
    assert large < small * 1.5, (small, large)


def without_zeal(work):
    """Run `work` with the suite's N+1 detection off: it keeps every row loaded (production
    runs without it)."""

    def run():
        zeal_listeners.teardown()
        return work()

    return contextvars.copy_context().run(run)


class _Discard(io.StringIO):
    """A stream that keeps nothing (the file the task writes to is on disk)."""

    def write(self, text: str) -> int:
        return len(text)


def test_an_export_records_its_progress_then_mails_its_link(organization, admin_user, monkeypatch):
    fill_tenant(organization, members=12, audit_rows=40)
    monkeypatch.setattr(document, "CHUNK", 5)
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 10)
    recorded = []
    real = exports._record

    def spy(organization_id, export_id, **fields):
        if "rows_written" in fields:
            recorded.append(fields["rows_written"])
        return real(organization_id, export_id, **fields)

    monkeypatch.setattr(exports, "_record", spy)

    export = data_export_request(organization=organization, actor=admin_user)

    assert export.state == DataExport.State.READY
    assert export.rows_written == export.rows_expected > 60
    assert recorded == sorted(recorded)
    assert len(recorded) >= 6  # every 10 rows or so, not once at the end
    assert export.expires_at - export.finished_at == timedelta(hours=24)
    assert export.size_bytes == default_storage.size(export.file_name)
    assert json.loads(default_storage.open(export.file_name).read())["organization"]["id"] == (
        organization.pk
    )
    [message] = mail.outbox
    assert message.to == [admin_user.email]
    assert f"/admin/data/exports/{export.pk}/download" in message.body
    assert AuditLog.objects.filter(action="data.exported", target_id=export.pk).count() == 1


def test_an_api_keys_export_is_mailed_to_the_owners_and_admins(organization, owner, admin_user):
    MembershipFactory(organization=organization, role=Role.MEMBER, user=UserFactory())
    key, _secret = api_key_provision(organization=organization, name="ci")
    export = data_export_request(organization=organization, actor=key)
    assert export.requested_by_api_key == key
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [owner.email, admin_user.email]
    )
    assert "an API key of the organization asked for" in mail.outbox[0].body


@override_settings(TASKS=DUMMY_TASKS)
def test_asking_again_while_an_export_is_prepared_answers_with_that_one(organization, admin_user):
    first = data_export_request(organization=organization, actor=admin_user)
    again = data_export_request(organization=organization, actor=admin_user)
    assert first.pk == again.pk
    assert again.state == DataExport.State.QUEUED
    assert DataExport.objects.count() == 1
    assert AuditLog.objects.filter(action="data.exported").count() == 1
    exports.write_data_export.call(first.pk, organization.pk)  # the worker's turn
    assert DataExport.objects.get().state == DataExport.State.READY
    assert data_export_request(organization=organization, actor=admin_user).pk != first.pk


def test_a_failed_export_says_so_and_keeps_no_file(organization, admin_user, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(exports, "export_write", broken)
    export = data_export_request(organization=organization, actor=admin_user)
    assert export.state == DataExport.State.FAILED
    assert export.error == "The export could not be written (OSError)."
    assert _stored_files() == []
    assert mail.outbox == []


def test_an_export_deleted_while_it_was_written_leaves_no_file(
    organization, admin_user, monkeypatch
):
    real = exports.export_write

    def purged_meanwhile(organization, out, **kwargs):
        DataExport.objects.filter(organization=organization).delete()
        return real(organization, out, **kwargs)

    monkeypatch.setattr(exports, "export_write", purged_meanwhile)
    data_export_request(organization=organization, actor=admin_user)
    assert _stored_files() == []
    assert mail.outbox == []


def test_pruning_deletes_expired_files_and_fails_abandoned_exports(
    organization, admin_user, django_capture_on_commit_callbacks
):
    now = timezone.now()
    expired_file = default_storage.save("exports/x/expired.json", ContentFile(b"{}"))
    fresh_file = default_storage.save("exports/x/fresh.json", ContentFile(b"{}"))
    expired = DataExport.objects.create(
        organization=organization,
        state=DataExport.State.READY,
        file_name=expired_file,
        expires_at=now - timedelta(minutes=1),
    )
    fresh = DataExport.objects.create(
        organization=organization,
        state=DataExport.State.READY,
        file_name=fresh_file,
        expires_at=now + timedelta(hours=1),
    )
    abandoned = DataExport.objects.create(
        organization=organization,
        state=DataExport.State.RUNNING,
        created_at=now - timedelta(hours=25),
    )
    with django_capture_on_commit_callbacks(execute=True):
        pruned = data_exports_prune()
    assert (pruned.expired, pruned.abandoned) == (1, 1)
    for export in (expired, fresh, abandoned):
        export.refresh_from_db()
    assert (expired.state, expired.file_name) == (DataExport.State.EXPIRED, "")
    assert fresh.state == DataExport.State.READY
    assert abandoned.state == DataExport.State.FAILED
    assert sorted(_stored_files()) == [fresh_file]

"""Data exports as background work: asked for (admin+), written to a file by a task, mailed as
a download link that expires.

- `data_export_request` records the request (one at a time per organization: asking while one
  is being prepared answers with that one), audits it as `data.exported` and queues the task.
  With the immediate task backend it runs at once, in the request.
- `write_data_export` (the task) streams the document to a temporary file chunk by chunk
  (`organizations.services.export`), recording its progress every `PROGRESS_EVERY` rows, then
  saves it to the default storage and mails the link: to the person who asked, or, when an
  organization API key asked, to the organization's owners and admins (as webhook warnings go).
- The link works for `CAUSELOOP_EXPORT_HOURS`. An expired export's file is deleted by
  `manage.py prune_exports` (run it hourly or daily, as `prune_events`), and at the latest when
  someone asks for it after its expiry.

It lives here, above `organizations` and `memberships`, because it mails people.
"""

from __future__ import annotations

import io
import logging
import tempfile
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import IO

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.tasks import task
from django.utils import timezone

from causeloop.core.errors import Conflict, Gone
from causeloop.core.tenancy import enter_tenant, platform_lookup, platform_work
from memberships.mail import render_email
from memberships.models import Membership, User
from memberships.tasks import queue_email
from organizations.access import require_role
from organizations.audit import audit
from organizations.models import ApiKey, DataExport, Organization
from organizations.roles import Role
from organizations.selectors import owned_row
from organizations.services.export import export_rows_expected, export_write

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 10_000  # rows between two progress updates of the export's row
RECENT = 10  # exports the data page lists
ABANDONED = "It did not finish in time: prepare a new one."


def data_export_request(*, organization: Organization, actor: User | ApiKey) -> DataExport:
    """Ask for the organization's data export (admin+). Returns the request, queued (or, with
    the immediate task backend, already written)."""
    require_role(actor, organization, at_least=Role.ADMIN)
    with transaction.atomic():
        _fail_stuck(organization.data_exports.all())
        running = organization.data_exports.filter(state__in=DataExport.IN_PROGRESS).first()
        if running is not None:
            return running
        try:
            with transaction.atomic():
                export = DataExport.objects.create(
                    organization=organization,
                    requested_by=None if isinstance(actor, ApiKey) else actor,
                    requested_by_api_key=actor if isinstance(actor, ApiKey) else None,
                )
        except IntegrityError:  # asked twice at once: the other request's export it is
            return organization.data_exports.get(state__in=DataExport.IN_PROGRESS)
        audit(
            organization,
            actor=actor,
            action="data.exported",
            target=export,
            details={"export": export.pk},
        )
        write_data_export.enqueue(export.pk, organization.pk)
    # As the task left it (the immediate backend ran it already), unless it is gone meanwhile.
    exports = DataExport.objects.select_related("requested_by", "requested_by_api_key")
    return exports.filter(pk=export.pk).first() or export


def recent_exports(organization: Organization) -> list[DataExport]:
    """The organization's latest export requests, newest first (a bounded list)."""
    return list(
        organization.data_exports.select_related("requested_by", "requested_by_api_key")[:RECENT]
    )


def data_export_get(
    *, organization: Organization, actor: User | ApiKey, export_id: object
) -> DataExport:
    """The organization's export with this ID (admin+), or NotFound: another tenant's is as
    absent as one that never existed."""
    require_role(actor, organization, at_least=Role.ADMIN)
    return owned_row(
        DataExport,
        organization=organization,
        pk=export_id,
        rows=DataExport.objects.select_related("requested_by", "requested_by_api_key"),
    )


def data_export_organization_id(export_id: str) -> str | None:
    """The ID of the organization an export belongs to, whoever asks (a download link names
    only the export): the caller then checks the person's membership there. None if none."""
    with platform_lookup():
        return (
            DataExport.objects.filter(pk=export_id[:64])
            .values_list("organization_id", flat=True)
            .first()
        )


def data_export_open(
    *, organization: Organization, actor: User | ApiKey, export_id: object
) -> tuple[DataExport, IO[bytes]]:
    """The export and its file, opened for reading (admin+). `Gone` (410) once it expired or
    failed; `export_not_ready` (409) while it is being prepared."""
    export = data_export_get(organization=organization, actor=actor, export_id=export_id)
    if export.current_state == DataExport.State.EXPIRED:
        if export.state == DataExport.State.READY:
            _expire(export)  # past its time and not pruned yet: its file goes now
        raise Gone(
            "This export has expired and its file was deleted: prepare a new one.",
            code="export_expired",
        )
    if export.state == DataExport.State.FAILED:
        raise Gone("This export failed: prepare a new one.", code="export_failed")
    if export.state != DataExport.State.READY:
        raise Conflict(
            f"This export is still being prepared ({export.percent}% done): try again soon.",
            code="export_not_ready",
        )
    try:
        return export, default_storage.open(export.file_name, "rb")
    except FileNotFoundError:
        raise Gone("This export's file is gone: prepare a new one.", code="export_failed") from None


@dataclass(frozen=True)
class ExportsPruned:
    expired: int
    abandoned: int


def data_exports_prune() -> ExportsPruned:
    """Platform: delete the files of exports whose link expired (marked `expired`), and mark
    `failed` the exports a dead worker left queued or running for longer than a link lasts."""
    now = timezone.now()
    expired = 0
    while True:
        with platform_work():
            batch = list(
                DataExport.objects.filter(state=DataExport.State.READY, expires_at__lte=now)
                .order_by("expires_at")
                .only("pk", "file_name", "organization_id")[:500]
            )
            for export in batch:
                _expire(export)
        expired += len(batch)
        if len(batch) < 500:
            break
    with platform_work():
        abandoned = _fail_stuck(DataExport.objects.all())
    return ExportsPruned(expired=expired, abandoned=abandoned)


# --- the task ---------------------------------------------------------------------------------


@task()
def write_data_export(export_id: str, organization_id: str) -> None:
    """Write a queued export to a file, record its progress, then mail its link. A failure is
    recorded on the export (and fails the task: the worker logs it)."""
    with transaction.atomic():
        enter_tenant(organization_id)
        organization = Organization.objects.filter(pk=organization_id).first()
        if organization is None:
            return
        expected = export_rows_expected(organization)
        claimed = DataExport.objects.filter(pk=export_id, state=DataExport.State.QUEUED).update(
            state=DataExport.State.RUNNING, started_at=timezone.now(), rows_expected=expected
        )
    if not claimed:
        return  # another worker has it, or it is gone
    try:
        name, size = _write_file(organization, export_id)
    except Exception as error:
        logger.exception("Export %s failed", export_id)
        _record(
            organization_id,
            export_id,
            state=DataExport.State.FAILED,
            error=f"The export could not be written ({type(error).__name__}).",
            finished_at=timezone.now(),
        )
        raise
    finished = timezone.now()
    kept = _record(
        organization_id,
        export_id,
        state=DataExport.State.READY,
        file_name=name,
        size_bytes=size,
        finished_at=finished,
        expires_at=finished + timedelta(hours=settings.CAUSELOOP_EXPORT_HOURS),
    )
    if not kept:  # the export (or its organization) was deleted meanwhile: so is its file
        default_storage.delete(name)
        return
    _mail_link(organization_id, export_id)


def _write_file(organization: Organization, export_id: str) -> tuple[str, int]:
    """Stream the document to a temporary file, then into the default storage."""
    progress = _Progress(organization.pk, export_id)
    with tempfile.TemporaryFile() as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="\n")
        written = export_write(organization, text, on_rows=progress.add)
        text.flush()
        size = raw.tell()
        text.detach()
        raw.seek(0)
        progress.record(final=written)
        name = default_storage.save(f"exports/{export_id}.json", File(raw))
    return name, size


class _Progress:
    """Counts written rows and records them on the export every `PROGRESS_EVERY` rows."""

    def __init__(self, organization_id: str, export_id: str) -> None:
        self.organization_id, self.export_id = organization_id, export_id
        self.rows = self.recorded = 0

    def add(self, rows: int) -> None:
        self.rows += rows
        if self.rows - self.recorded >= PROGRESS_EVERY:
            self.record()

    def record(self, final: int | None = None) -> None:
        self.recorded = self.rows if final is None else final
        _record(self.organization_id, self.export_id, rows_written=self.recorded)


def _record(organization_id: str, export_id: str, **fields: object) -> int:
    """Update the running export in a short transaction of its own (so the data page sees it
    at once); 0 when it is gone."""
    with transaction.atomic():
        enter_tenant(organization_id)
        return DataExport.objects.filter(pk=export_id, state=DataExport.State.RUNNING).update(
            **fields
        )


def _mail_link(organization_id: str, export_id: str) -> None:
    with transaction.atomic():
        enter_tenant(organization_id)
        export = DataExport.objects.select_related("organization", "requested_by").get(pk=export_id)
        if export.requested_by is not None:
            people = [export.requested_by]
        else:
            admins = Membership.objects.filter(
                organization_id=organization_id, role__in=[Role.ADMIN, Role.OWNER]
            ).select_related("user")
            people = [membership.user for membership in admins]
        organization = export.organization
        for person in people:
            queue_email(
                render_email(
                    "data_export_ready",
                    to=person.email,
                    subject=f"Your export of {organization.name} is ready",
                    context={
                        "person": person,
                        "organization": organization,
                        "export": export,
                        "hours": settings.CAUSELOOP_EXPORT_HOURS,
                        "url": data_export_url(export),
                    },
                )
            )


def export_filename(organization: Organization, export: DataExport) -> str:
    """What a downloaded export is called: the organization's slug and the export's moment."""
    moment = timezone.localtime(export.created_at, UTC).strftime("%Y%m%d-%H%M%S")
    return f"{organization.slug}-export-{moment}.json"


def data_export_url(export: DataExport) -> str:
    """Where a signed-in admin of the export's organization downloads it."""
    return f"{settings.CAUSELOOP_BASE_URL}/admin/data/exports/{export.pk}/download"


# --- expiry and abandoned exports ------------------------------------------------------------


def _expire(export: DataExport) -> None:
    """Mark a ready export expired and delete its file once that commits."""
    name = export.file_name
    with transaction.atomic():
        DataExport.objects.filter(pk=export.pk, state=DataExport.State.READY).update(
            state=DataExport.State.EXPIRED, file_name=""
        )
        if name:
            transaction.on_commit(lambda: default_storage.delete(name), robust=True)
    export.state, export.file_name = DataExport.State.EXPIRED, ""


def _stuck(exports: QuerySet[DataExport]) -> QuerySet[DataExport]:
    """Exports queued or running for longer than a link lasts: their worker is gone."""
    since = timezone.now() - timedelta(hours=settings.CAUSELOOP_EXPORT_HOURS)
    return exports.filter(state__in=DataExport.IN_PROGRESS, created_at__lt=since)


def _fail_stuck(exports: QuerySet[DataExport]) -> int:
    return _stuck(exports).update(
        state=DataExport.State.FAILED, error=ABANDONED, finished_at=timezone.now()
    )

"""An organization's data export, asked for by an admin or an API key: queued, written to a file
in the background (`onboarding.services.exports`), downloadable until it expires."""

from __future__ import annotations

from django.db import models
from django.utils.timezone import now

from causeloop.core.ids import PublicIdField
from organizations.models.tenants import ApiKey, Organization


class DataExport(models.Model):
    """One export request and how far it got: `rows_written` of `rows_expected`, then a file in
    the default storage (`file_name`) that may be downloaded until `expires_at`."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Being prepared"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired"

    IN_PROGRESS = (State.QUEUED, State.RUNNING)

    id = PublicIdField(prefix="exp")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="data_exports"
    )
    # Who asked: a person, or an organization API key (then `requested_by` is empty).
    requested_by = models.ForeignKey(
        "memberships.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by_api_key = models.ForeignKey(
        ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    rows_written = models.PositiveBigIntegerField(default=0)
    rows_expected = models.PositiveBigIntegerField(default=0)
    file_name = models.CharField(max_length=255, blank=True)
    size_bytes = models.PositiveBigIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="data_export_org_created"),
            # The files to delete once their link expired (`data_exports_prune`), across tenants.
            models.Index(
                fields=["expires_at"],
                condition=models.Q(state="ready"),
                name="data_export_ready_expiry",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=["queued", "running", "ready", "failed", "expired"]),
                name="data_export_state_valid",
            ),
            # One export at a time per organization: asking again while one is being prepared
            # answers with that one.
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(state__in=["queued", "running"]),
                name="one_data_export_in_progress",
            ),
        ]

    def __str__(self) -> str:
        return f"export {self.pk}"

    @property
    def current_state(self) -> str:
        """The state as a reader should see it: a ready export past its expiry is expired,
        even before the cleanup deleted its file."""
        expired = self.expires_at is not None and self.expires_at <= now()
        return self.State.EXPIRED if self.state == self.State.READY and expired else self.state

    @property
    def is_downloadable(self) -> bool:
        return self.current_state == self.State.READY and bool(self.file_name)

    @property
    def percent(self) -> int:
        """How far it got, 0–100 (a finished export is 100 whatever it counted)."""
        if self.state in (self.State.READY, self.State.EXPIRED):
            return 100
        if not self.rows_expected:
            return 0
        return min(99, self.rows_written * 100 // self.rows_expected)

    @property
    def requester_name(self) -> str:
        """Who asked, as shown on the data page."""
        if self.requested_by is not None:
            return self.requested_by.email
        if self.requested_by_api_key is not None:
            return self.requested_by_api_key.display_name
        return "someone no longer here"

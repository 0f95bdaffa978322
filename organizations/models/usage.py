"""What an organization uses: its integrations (provider credentials), its runs, the daily
counters its quotas are checked against, and the events every change emits (§9, §10)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.timezone import now

from causeloop.core.ids import PublicIdField
from organizations.models.tenants import ApiKey, Organization


class Integration(models.Model):
    """A named provider credential; the secret is sealed under the master key
    (`causeloop.core.crypto.encrypt`) and never shown again: the last four characters are the
    fingerprint."""

    class Kind(models.TextChoices):
        OPENAI = "openai", "OpenAI"
        ANTHROPIC = "anthropic", "Anthropic"
        MISTRAL = "mistral", "Mistral"
        GCP = "gcp", "Google Cloud"
        AWS = "aws", "Amazon Web Services"
        AZURE = "azure", "Microsoft Azure"
        OTHER = "other", "Other"

    id = PublicIdField(prefix="int")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="integrations"
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    credential = models.BinaryField()
    last_four = models.CharField(max_length=4)
    created_by = models.ForeignKey(
        "memberships.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(auto_now=True)
    credential_changed_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                "organization", Lower("name"), name="integration_name_unique_per_organization"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()}, …{self.last_four})"


class Run(models.Model):
    """One pipeline run the product reported. `day` is the organization's calendar day when it
    started (its timezone), the day its quota counted it against."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELED = "canceled", "Canceled"

    FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.CANCELED)

    id = PublicIdField(prefix="run")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="runs")
    integration = models.ForeignKey(
        Integration, null=True, blank=True, on_delete=models.SET_NULL, related_name="runs"
    )
    name = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    day = models.DateField()
    started_at = models.DateTimeField(default=now)
    finished_at = models.DateTimeField(null=True, blank=True)
    started_by_user = models.ForeignKey(
        "memberships.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_by_api_key = models.ForeignKey(
        ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            # The list, newest first, and pruning by age: a range of one organization's runs.
            models.Index(fields=["organization", "-started_at", "-id"], name="run_org_started"),
            # What is running now: only unfinished runs are in it, so counting them costs as
            # much as there are unfinished runs in the timeout window, whatever the history.
            models.Index(
                fields=["organization", "started_at"],
                condition=models.Q(status="running"),
                name="run_org_running",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["running", "succeeded", "failed", "canceled"]),
                name="run_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.pk

    @property
    def timed_out(self) -> bool:
        """Unfinished past `CAUSELOOP_RUN_TIMEOUT`: it no longer counts as running."""
        return self.status == self.Status.RUNNING and self.started_at <= running_since()

    @property
    def state(self) -> str:
        """The status as a client sees it: `timed_out` for a run that never reported back."""
        return "timed_out" if self.timed_out else self.status


def running_since() -> datetime:
    """Runs started after this moment and not finished count as running."""
    return now() - timedelta(seconds=settings.CAUSELOOP_RUN_TIMEOUT)


class UsageDay(models.Model):
    """How many runs an organization started on one of its days. Written in the same
    transaction as each run; kept when old runs are pruned, so usage never needs a scan."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="usage_days"
    )
    day = models.DateField()
    runs = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["organization", "day"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "day"], name="usage_day_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.day}: {self.runs}"


class Event(models.Model):
    """Something that happened to an organization, written in the same transaction as the
    change (a transactional outbox): every audit action, and the usage events."""

    id = PublicIdField(prefix="evt")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=64)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=now)
    # Not yet handed to the webhook relay. Only such rows are in the partial index, so the
    # relay finds new events at the cost of what is new, whatever the history.
    relayed = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["organization", "id"], name="event_org_id"),
            models.Index(fields=["id"], condition=models.Q(relayed=False), name="event_unrelayed"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.pk}"

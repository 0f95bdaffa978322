"""Webhook endpoints (`whe_`) and their deliveries (`dlv_`): one delivery per event and endpoint,
carrying the state of its latest attempt and when the next one is due."""

from __future__ import annotations

from django.db import models
from django.utils.timezone import now

from causeloop.core.ids import PublicIdField
from organizations.models import Event, Organization
from webhooks.catalog import matches


class WebhookEndpoint(models.Model):
    """Where an organization wants its events sent. `event_types` empty means every type; the
    signing secret is sealed under the master key, and the previous one keeps signing too until
    `previous_secret_expires_at` so receivers can switch without dropping a message."""

    class DisabledReason(models.TextChoices):
        NONE = "", "Enabled"
        MANUAL = "manual", "Disabled by an admin"
        FAILING = "failing", "Disabled after failing for 5 days"

    id = PublicIdField(prefix="whe")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.CharField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    event_types = models.JSONField(default=list, blank=True)
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(
        max_length=16, choices=DisabledReason.choices, default="", blank=True
    )
    secret = models.BinaryField()
    previous_secret = models.BinaryField(null=True, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    # Set when an attempt got no answer at all (timeout, refused connection): until then the
    # endpoint's other deliveries wait instead of each waiting out its own timeout.
    unreachable_until = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        "memberships.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["organization", "id"], name="whe_org_id")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(disabled_reason__in=["", "manual", "failing"]),
                name="whe_disabled_reason_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.url

    def wants(self, event_type: str) -> bool:
        """Whether an event of `event_type` is sent here (`member.*` matches a group)."""
        return not self.event_types or matches(self.event_types, event_type)


class WebhookDelivery(models.Model):
    """One event on its way to one endpoint. `attempts` counts the attempts made; while it is
    `pending`, `next_attempt_at` says when the next is due, `queued` that a task is waiting to
    make it, and `lease_until` is set while a worker makes it (so no other worker makes the same
    attempt at the same time, and a worker that died in the middle is noticed)."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    id = PublicIdField(prefix="dlv")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="webhook_deliveries"
    )
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # A task is waiting in the queue for it (the scheduler sets it; an attempt clears it).
    queued = models.BooleanField(default=False)
    lease_until = models.DateTimeField(null=True, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            # The delivery log, newest first (the keyset order): a range of one endpoint's rows.
            models.Index(fields=["endpoint", "-created_at", "-id"], name="dlv_endpoint_log"),
            # What is due and not yet queued (new ones, retries, test sends, manual retries).
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(state="pending", queued=False),
                name="dlv_due",
            ),
            # Attempts a lost worker left behind: only leased pending rows are in it.
            models.Index(
                fields=["lease_until"],
                condition=models.Q(state="pending", lease_until__isnull=False),
                name="dlv_leased",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=["pending", "succeeded", "failed"]),
                name="dlv_state_valid",
            ),
            models.UniqueConstraint(fields=["event", "endpoint"], name="dlv_event_endpoint"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.endpoint_id} ({self.state})"


class WorkerHeartbeat(models.Model):
    """A background worker (`manage.py db_worker`, which this app runs) saying it is alive: one
    row per worker, `seen_at` renewed every few seconds by the database's clock (`/readyz`
    compares with the same clock). Platform data, no tenant's: no row-level security."""

    worker = models.CharField(primary_key=True, max_length=64)
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.worker} ({self.seen_at})"

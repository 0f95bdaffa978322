"""Cross-cutting tables."""

from django.db import models
from django.utils import timezone


class IdempotencyRecord(models.Model):
    """The first response to a creating POST with an `Idempotency-Key`, kept 24 hours and
    scoped to the caller. The body is stored encrypted: it may hold a secret shown once."""

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"

    scope = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=512)
    request_hash = models.CharField(max_length=64)
    state = models.CharField(max_length=16, choices=State.choices, default=State.IN_PROGRESS)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_key_per_caller")
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"

"""Tenants and what they own: organizations, workspaces, plans, subscriptions, API keys,
templates and the audit trail."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import models
from django.db.models.functions import Lower
from django.utils.timezone import now

from causeloop.core.ids import PublicIdField


class Plan(models.Model):
    """Reference data: a plan and its limits (seeded by a data migration)."""

    class Code(models.TextChoices):
        FREE = "free", "Free"
        STARTER = "starter", "Starter"
        GROWTH = "growth", "Growth"
        ENTERPRISE = "enterprise", "Enterprise"

    code = models.CharField(max_length=32, primary_key=True, choices=Code.choices)
    name = models.CharField(max_length=100)
    seats = models.PositiveIntegerField()
    daily_runs = models.PositiveIntegerField()
    monthly_runs = models.PositiveIntegerField()
    concurrent_runs = models.PositiveIntegerField()
    providers = models.PositiveIntegerField()
    monthly_price_usd = models.PositiveIntegerField(default=0)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_paid(self) -> bool:
        return self.code != self.Code.FREE


class OrganizationQuerySet(models.QuerySet["Organization"]):
    def with_slug(self, slug: str) -> OrganizationQuerySet:
        """The organization with this slug, compared case-insensitively (`lower(slug)`)."""
        return self.alias(slug_ci=Lower("slug")).filter(slug_ci=Lower(models.Value(slug.strip())))


class Organization(models.Model):
    """The tenant."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending approval"
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"

    class Kind(models.TextChoices):
        COMPANY = "company", "Company"
        AGENCY = "agency", "Agency"
        NONPROFIT = "nonprofit", "Non-profit"
        EDUCATION = "education", "Education"
        PERSONAL = "personal", "Personal"
        OTHER = "other", "Other"

    id = PublicIdField(prefix="org")
    name = models.CharField(max_length=200)
    slug = models.CharField(max_length=50, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.COMPANY)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="+", default="free")
    seats = models.PositiveIntegerField(default=10)
    timezone = models.CharField(max_length=64, default="UTC")
    logo = models.ImageField(upload_to="logos/", blank=True)
    primary_color = models.CharField(max_length=7, default="#000000")
    secondary_color = models.CharField(max_length=7, default="#ffffff")
    settings = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(auto_now=True)
    suspended_at = models.DateTimeField(null=True, blank=True)
    # Set once, as a purge begins (`onboarding.services.purge`): suspended for good, its rows
    # (audit rows too) on their way out. The database keeps it one-way (`dbsecurity`).
    purge_started_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        # The platform admin's list, by name a page at a time among 20,000 and more.
        indexes = [models.Index(fields=["name", "id"], name="organization_name")]
        constraints = [
            models.UniqueConstraint(Lower("slug"), name="organization_slug_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "active", "suspended"]),
                name="organization_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(primary_color__regex=r"^#[0-9a-f]{6}$")
                & models.Q(secondary_color__regex=r"^#[0-9a-f]{6}$"),
                name="organization_colors_hex",
            ),
            models.CheckConstraint(
                condition=models.Q(purge_started_at__isnull=True) | models.Q(status="suspended"),
                name="organization_purging_is_suspended",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.slug})"

    @property
    def is_suspended(self) -> bool:
        return self.status == self.Status.SUSPENDED

    @property
    def is_being_purged(self) -> bool:
        return self.purge_started_at is not None


class Workspace(models.Model):
    """The organization's data container (one per organization today)."""

    id = PublicIdField(prefix="ws")
    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="workspace"
    )
    name = models.CharField(max_length=200)
    slug = models.CharField(max_length=50)
    created_at = models.DateTimeField(default=now)

    def __str__(self) -> str:
        return self.name


class WorkspaceSettings(models.Model):
    """Per-workspace defaults."""

    class ReportSchedule(models.TextChoices):
        NONE = "none", "No reports"
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly"
        MONTHLY = "monthly", "Monthly"

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="settings")
    # The workspace's organization, as on every tenant table: row-level security keys on it
    # directly, and it is the distribution column under Citus (docs/scaling.md).
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    timezone = models.CharField(max_length=64, default="UTC")
    report_schedule = models.CharField(
        max_length=16, choices=ReportSchedule.choices, default=ReportSchedule.WEEKLY
    )
    locale = models.CharField(max_length=16, default="en-us")

    class Meta:
        verbose_name_plural = "workspace settings"

    def __str__(self) -> str:
        return f"settings of {self.workspace_id}"


class Subscription(models.Model):
    """The organization's billing state, synced from the billing provider. The plan itself is
    `Organization.plan`, so limits are read in one place."""

    class BillingStatus(models.TextChoices):
        TRIALING = "trialing", "Trialing"
        ACTIVE = "active", "Active"
        PAST_DUE = "past_due", "Past due"
        CANCELED = "canceled", "Canceled"
        PAUSED = "paused", "Paused"

    BLOCKING_STATUSES = (BillingStatus.PAST_DUE, BillingStatus.PAUSED)

    id = PublicIdField(prefix="sub")
    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="subscription"
    )
    billing_status = models.CharField(
        max_length=16, choices=BillingStatus.choices, default=BillingStatus.ACTIVE
    )
    trial_ends_at = models.DateTimeField(null=True, blank=True)
    current_period_end = models.DateTimeField(null=True, blank=True)
    # Platform overrides of the plan's limits: a number here wins over the plan's; empty
    # follows the plan.
    daily_runs_limit = models.PositiveIntegerField(null=True, blank=True)
    monthly_runs_limit = models.PositiveIntegerField(null=True, blank=True)
    concurrent_runs_limit = models.PositiveIntegerField(null=True, blank=True)
    providers_limit = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    billing_status__in=["trialing", "active", "past_due", "canceled", "paused"]
                ),
                name="subscription_billing_status_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.billing_status}"

    @property
    def is_on_trial(self) -> bool:
        """Trialing, with the trial's end still ahead."""
        return (
            self.billing_status == self.BillingStatus.TRIALING
            and self.trial_ends_at is not None
            and self.trial_ends_at > now()
        )

    @property
    def blocks_access(self) -> bool:
        if self.billing_status in self.BLOCKING_STATUSES:
            return True
        if self.billing_status == self.BillingStatus.CANCELED:
            return self.current_period_end is None or self.current_period_end <= now()
        return False


class ApiKey(models.Model):
    """An organization's service credential (`{slug}_api_{random}`), stored as a keyed hash."""

    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        EXPIRING = "expiring", "Expiring"
        EXPIRED = "expired", "Expired"
        REVOKED = "revoked", "Revoked"

    # The longest an old key keeps working after a rotation replaced it. A key that works now
    # but stops within it is "expiring": an old key in its grace, or one whose own expiry is
    # as close.
    MAX_GRACE = timedelta(hours=168)

    id = PublicIdField(prefix="key")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(max_length=200)
    key_hash = models.CharField(max_length=64, unique=True)
    last_four = models.CharField(max_length=4)
    scopes = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        "memberships.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    rotated_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} …{self.last_four}"

    @property
    def is_usable(self) -> bool:
        moment = now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > moment)

    @property
    def state(self) -> State:
        """revoked, expired, expiring (it stops working within `MAX_GRACE`) or active."""
        if self.revoked_at is not None:
            return self.State.REVOKED
        if self.expires_at is None:
            return self.State.ACTIVE
        left = self.expires_at - now()
        if left <= timedelta(0):
            return self.State.EXPIRED
        return self.State.EXPIRING if left <= self.MAX_GRACE else self.State.ACTIVE

    @property
    def display_name(self) -> str:
        return f"API key {self.name} (…{self.last_four})"


class Template(models.Model):
    """An organization's shared agent or prompt template."""

    class Kind(models.TextChoices):
        AGENT = "agent", "Agent"
        PROMPT = "prompt", "Prompt"

    MAX_BODY_BYTES = 100 * 1024

    id = PublicIdField(prefix="tpl")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="templates"
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.PROMPT)
    description = models.TextField(blank=True, max_length=2000)
    body = models.TextField(blank=True)
    created_by = models.ForeignKey(
        "memberships.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["agent", "prompt"]), name="template_kind_valid"
            )
        ]

    def __str__(self) -> str:
        return self.name


class AppendOnlyError(Exception):
    """Audit rows are never updated or deleted by the application."""


class AuditLogQuerySet(models.QuerySet["AuditLog"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("audit rows are append-only")

    def delete(self) -> Any:
        raise AppendOnlyError("audit rows are append-only")


class AuditLog(models.Model):
    """An append-only record of who did what to which tenant, and when. The only rewrite is
    forgetting a person, and rows leave only with their organization: both through the
    database functions of `organizations.audit_rewrites`, never `update()` or `delete()`."""

    id = PublicIdField(prefix="aud")
    # DO_NOTHING: deleting an organization must not delete its audit rows row by row (the
    # application role may not); `organization_purge` hands them to `causeloop_audit_purge`.
    organization = models.ForeignKey(
        Organization, on_delete=models.DO_NOTHING, related_name="audit_logs"
    )
    workspace = models.ForeignKey(
        Workspace,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_user = models.ForeignKey(
        "memberships.User",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_api_key = models.ForeignKey(
        ApiKey,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_name = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=254, blank=True)
    details = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=now)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-created_at"]),
            # The log filtered by action, in the page's order (-created_at, -id): one range of
            # the index, read backwards, whether the action is rare or common.
            models.Index(
                fields=["organization", "action", "created_at", "id"], name="audit_org_action"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_name or 'system'}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("audit rows are append-only")

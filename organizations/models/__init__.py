"""The organizations app's models: the tenant and what it owns (`tenants`), what it uses
(`usage`), and the exports of its data (`exports`)."""

from organizations.models.exports import DataExport
from organizations.models.tenants import (
    ApiKey,
    AppendOnlyError,
    AuditLog,
    AuditLogQuerySet,
    Organization,
    OrganizationQuerySet,
    Plan,
    Subscription,
    Template,
    Workspace,
    WorkspaceSettings,
)
from organizations.models.usage import Event, Integration, Run, UsageDay, running_since

__all__ = [
    "ApiKey",
    "AppendOnlyError",
    "AuditLog",
    "AuditLogQuerySet",
    "DataExport",
    "Event",
    "Integration",
    "Organization",
    "OrganizationQuerySet",
    "Plan",
    "Run",
    "Subscription",
    "Template",
    "UsageDay",
    "Workspace",
    "WorkspaceSettings",
    "running_since",
]

"""Offboarding a client — suspend, reinstate or purge — and what the runbook shows about one."""

from __future__ import annotations

from typing import Any

from causeloop.core.errors import NotFound, ValidationFailed
from directory.selectors.domains import domains_for
from directory.selectors.scim import directory_summary, usable_scim_tokens_of
from memberships.models import Membership
from onboarding.purge import Progress, organization_purge
from organizations.models import Organization
from organizations.quotas import OVERRIDES
from organizations.roles import Role
from organizations.selectors import audit_log_for
from organizations.services.organizations import organization_reinstate, organization_suspend
from organizations.usage import usage_of
from webhooks.selectors import endpoints_for


def organization_by_slug(slug: object) -> Organization:
    """The organization with this slug; `no organization with slug "…"` otherwise."""
    organization = Organization.objects.with_slug(slug).first() if isinstance(slug, str) else None
    if organization is None:
        raise NotFound(f'no organization with slug "{slug}"', code="not_found")
    return organization


def offboard_client(
    *, slug: str, action: str, on_progress: Progress | None = None
) -> dict[str, Any]:
    """Suspend, reinstate or purge the client with this slug (a purge runs here, batch by
    batch, telling `on_progress` how it goes)."""
    organization = organization_by_slug(slug)
    if action == "suspend":
        organization_suspend(organization=organization)
    elif action == "reinstate":
        organization_reinstate(organization=organization)
    elif action == "purge":
        org_id = organization.pk
        deleted = organization_purge(organization=organization, on_progress=on_progress)
        return {"org_id": org_id, "slug": organization.slug, "status": "purged", "deleted": deleted}
    else:
        raise ValidationFailed(f'unknown action "{action}"; use suspend, reinstate or purge')
    return {"org_id": organization.pk, "slug": organization.slug, "status": organization.status}


def client_summary(slug: str, *, audit_rows: int = 10) -> dict[str, Any]:
    """What the runbook's verification queries show for one client."""
    if (
        isinstance(audit_rows, bool)
        or not isinstance(audit_rows, int)
        or not (0 <= audit_rows <= 1000)
    ):
        message = "The number of audit rows must be between 0 and 1000."
        raise ValidationFailed(message, fields={"audit_rows": [message]})
    organization = organization_by_slug(slug)
    workspace = getattr(organization, "workspace", None)
    owners = Membership.objects.filter(organization=organization, role=Role.OWNER).select_related(
        "user"
    )
    audit_log = audit_log_for(organization)[:audit_rows]
    return {
        "organization": {
            "id": organization.pk,
            "name": organization.name,
            "slug": organization.slug,
            "plan": organization.plan_id,
            "seats": organization.seats,
            "status": organization.status,
            "timezone": organization.timezone,
            "created_at": organization.created_at.isoformat(),
        },
        "workspace": {"id": workspace.pk, "name": workspace.name, "slug": workspace.slug}
        if workspace
        else None,
        "owners": [
            {
                "membership_id": m.pk,
                "user_id": m.user_id,
                "email": m.user.email,
                "role": m.role,
                "is_active": m.is_active,
                "joined_at": m.joined_at.isoformat(),
            }
            for m in owners
        ],
        "members": Membership.objects.filter(organization=organization).count(),
        "usage": usage_summary(organization),
        "webhooks": [
            {
                "id": endpoint.pk,
                "url": endpoint.url,
                "enabled": endpoint.enabled,
                "disabled_reason": endpoint.disabled_reason,
                "failing_since": endpoint.failing_since.isoformat()
                if endpoint.failing_since
                else None,
            }
            for endpoint in endpoints_for(organization).defer("secret", "previous_secret")
        ],
        "domains": [
            {
                "id": domain.pk,
                "domain": domain.name,
                "verified_at": domain.verified_at.isoformat() if domain.verified_at else None,
                "policy": domain.policy,
            }
            for domain in domains_for(organization)
        ],
        "directory": directory_of(organization),
        "audit_log": [
            {
                "id": a.pk,
                "action": a.action,
                "actor": a.actor_name or "platform",
                "target_id": a.target_id,
                "created_at": a.created_at.isoformat(),
            }
            for a in audit_log
        ],
    }


def directory_of(organization: Organization) -> dict[str, Any]:
    """The organization's directory sync as the runbook shows it: usable SCIM tokens, its
    people and when the identity provider last called."""
    summary = directory_summary(organization)
    return {
        "scim_tokens": usable_scim_tokens_of(organization).count(),
        "people": summary.people,
        "active": summary.active,
        "last_request_at": summary.last_request_at.isoformat() if summary.last_request_at else None,
    }


def usage_summary(organization: Organization) -> dict[str, Any]:
    """The organization's usage as the API shows it (§9), plus what an operator checks: how
    many integrations it has, which limits the platform overrode and the plan's own numbers."""
    report = usage_of(organization)
    plan = organization.plan
    return {
        **report.as_dict(),
        "integrations": report.providers_used,
        "overridden": list(report.usage.limits.overridden),
        "plan_limits": {name: getattr(plan, field) for name, (_, field) in OVERRIDES.items()},
    }

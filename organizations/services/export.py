"""An organization's data export (the right of access): everything it holds, secrets never."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from organizations.access import require_role
from organizations.audit import audit
from organizations.models import ApiKey, Organization
from organizations.roles import Role
from organizations.selectors import api_keys_for, audit_log_for, templates_for
from organizations.usage import integrations_for

if TYPE_CHECKING:
    from memberships.models import User


def organization_export(*, organization: Organization, actor: User | ApiKey) -> dict[str, Any]:
    """Everything the organization holds, as JSON-ready data (admin+). Secrets never leave."""
    require_role(actor, organization, at_least=Role.ADMIN)
    with transaction.atomic():
        data = {
            "exported_at": timezone.now().isoformat(),
            "organization": {
                "id": organization.pk,
                "name": organization.name,
                "slug": organization.slug,
                "status": organization.status,
                "plan": organization.plan_id,
                "seats": organization.seats,
                "timezone": organization.timezone,
                "primary_color": organization.primary_color,
                "secondary_color": organization.secondary_color,
                "settings": organization.settings,
                "created_at": organization.created_at.isoformat(),
            },
            "members": [
                {
                    "id": m.pk,
                    "user_id": m.user_id,
                    "email": m.user.email,
                    "name": m.user.name,
                    "role": m.role,
                    "joined_at": m.joined_at.isoformat(),
                }
                for m in organization.memberships.select_related("user")
            ],
            "invitations": [
                {
                    "id": i.pk,
                    "email": i.email,
                    "role": i.role,
                    "state": i.state,
                    "created_at": i.created_at.isoformat(),
                    "expires_at": i.expires_at.isoformat(),
                }
                for i in organization.invitations.all()
            ],
            "api_keys": [
                {
                    "id": k.pk,
                    "name": k.name,
                    "fingerprint": k.last_four,
                    "scopes": k.scopes,
                    "created_at": k.created_at.isoformat(),
                    "revoked_at": k.revoked_at.isoformat() if k.revoked_at else None,
                }
                for k in api_keys_for(organization)
            ],
            "templates": [
                {
                    "id": t.pk,
                    "name": t.name,
                    "kind": t.kind,
                    "description": t.description,
                    "body": t.body,
                    "updated_at": t.updated_at.isoformat(),
                }
                for t in templates_for(organization)
            ],
            "integrations": [
                {
                    "id": i.pk,
                    "name": i.name,
                    "kind": i.kind,
                    "fingerprint": i.last_four,
                    "created_at": i.created_at.isoformat(),
                }
                for i in integrations_for(organization)
            ],
            "usage": [
                {"date": u.day.isoformat(), "runs": u.runs}
                for u in organization.usage_days.order_by("day")
            ],
            "audit_log": [
                {
                    "id": a.pk,
                    "action": a.action,
                    "actor": a.actor_name,
                    "target_id": a.target_id,
                    "details": a.details,
                    "ip_address": a.ip_address,
                    "created_at": a.created_at.isoformat(),
                }
                for a in audit_log_for(organization)
            ],
        }
        audit(organization, actor=actor, action="data.exported", target=organization)
    return data

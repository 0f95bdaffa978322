"""An organization's shared agent and prompt templates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction

from causeloop.core.errors import ValidationFailed
from organizations.access import require_role
from organizations.audit import audit
from organizations.models import ApiKey, Organization, Template
from organizations.roles import Role
from organizations.validation import clean_name, clean_optional_text, has_control_characters

if TYPE_CHECKING:
    from memberships.models import User


@dataclass(frozen=True, kw_only=True)
class TemplateInput:
    """A new template's fields."""

    name: str
    kind: str = Template.Kind.PROMPT
    description: str = ""
    body: str = ""


@dataclass(frozen=True, kw_only=True)
class TemplateChanges:
    """The fields of a template to change; a field left None stays as it is."""

    name: str | None = None
    kind: str | None = None
    description: str | None = None
    body: str | None = None


def _cleaned(fields: TemplateInput | TemplateChanges) -> dict[str, str]:
    """The given fields, checked; the messages name the field the caller sent."""
    cleaned: dict[str, str] = {}
    if fields.name is not None:
        cleaned["name"] = clean_name(fields.name, label="Name")
    if fields.kind is not None:
        if fields.kind not in Template.Kind.values:
            message = '"kind" must be "agent" or "prompt".'
            raise ValidationFailed(message, fields={"kind": [message]})
        cleaned["kind"] = fields.kind
    if fields.description is not None:
        cleaned["description"] = clean_optional_text(
            fields.description,
            field="description",
            max_length=2000,
            label="Description",
            multiline=True,
        )
    if fields.body is not None:
        body = fields.body
        if not isinstance(body, str):
            raise ValidationFailed("Body must be text.", fields={"body": ["Must be text."]})
        if len(body.encode()) > Template.MAX_BODY_BYTES:
            message = "Body must be at most 100 kB."
            raise ValidationFailed(message, fields={"body": [message]})
        if "\x00" in body or has_control_characters(body, multiline=True):
            message = "Body must not contain control characters other than line breaks and tabs."
            raise ValidationFailed(message, fields={"body": [message]})
        cleaned["body"] = body
    return cleaned


@transaction.atomic
def template_create(
    *, organization: Organization, actor: User | ApiKey, fields: TemplateInput
) -> Template:
    """A new shared template (analyst+)."""
    require_role(actor, organization, at_least=Role.ANALYST)
    template = Template.objects.create(
        organization=organization,
        created_by=None if isinstance(actor, ApiKey) else actor,
        **_cleaned(fields),
    )
    audit(
        organization,
        actor=actor,
        action="template.created",
        target=template,
        details={"name": template.name},
    )
    return template


@transaction.atomic
def template_update(
    *, template: Template, actor: User | ApiKey, changes: TemplateChanges
) -> Template:
    """Change some of a template's fields (analyst+)."""
    require_role(actor, template.organization, at_least=Role.ANALYST)
    cleaned = _cleaned(changes)
    for field, value in cleaned.items():
        setattr(template, field, value)
    if cleaned:
        template.save(update_fields=[*cleaned, "updated_at"])
        audit(
            template.organization,
            actor=actor,
            action="template.updated",
            target=template,
            details={"fields": sorted(cleaned)},
        )
    return template


@transaction.atomic
def template_delete(*, template: Template, actor: User | ApiKey) -> None:
    """Delete a template (analyst+); the audit row keeps its name."""
    require_role(actor, template.organization, at_least=Role.ANALYST)
    audit(
        template.organization,
        actor=actor,
        action="template.deleted",
        target=template,
        details={"name": template.name},
    )
    template.delete()

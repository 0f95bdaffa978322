"""Template and branding services take typed inputs and refuse bad ones with the same codes and
messages as before, whichever interface built them."""

import pytest

from causeloop.core.errors import ValidationFailed
from organizations.models import AuditLog, Template
from organizations.services.branding import branding_update
from organizations.services.templates import (
    TemplateChanges,
    TemplateInput,
    template_create,
    template_update,
)
from tests.factories import TemplateFactory

pytestmark = pytest.mark.django_db


def test_a_template_is_created_from_its_input(organization, analyst):
    template = template_create(
        organization=organization,
        actor=analyst,
        fields=TemplateInput(name="  Weekly  ", description="Sums up.", body="Hi\n\t{{ x }}"),
    )
    template.refresh_from_db()
    assert (template.name, template.kind, template.description, template.body) == (
        "Weekly",
        Template.Kind.PROMPT,
        "Sums up.",
        "Hi\n\t{{ x }}",
    )
    assert template.created_by == analyst


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (TemplateInput(name=""), "name", "Name is required."),
        (TemplateInput(name="x" * 201), "name", "Name must be at most 200 characters."),
        (TemplateInput(name="X", kind="macro"), "kind", '"kind" must be "agent" or "prompt".'),
        (
            TemplateInput(name="X", description="d" * 2001),
            "description",
            "Description must be at most 2000 characters.",
        ),
        (
            TemplateInput(name="X", body="b" * (Template.MAX_BODY_BYTES + 1)),
            "body",
            "Body must be at most 100 kB.",
        ),
        (
            TemplateInput(name="X", body="a\x00b"),
            "body",
            "Body must not contain control characters other than line breaks and tabs.",
        ),
    ],
)
def test_a_bad_template_input_is_refused_with_the_same_code(
    organization, analyst, fields, field, message
):
    with pytest.raises(ValidationFailed) as refused:
        template_create(organization=organization, actor=analyst, fields=fields)
    assert (refused.value.code, refused.value.message) == ("invalid", message)
    assert field in refused.value.fields
    assert not Template.objects.exists()


def test_template_changes_touch_only_the_fields_given(organization, analyst):
    template = TemplateFactory(organization=organization, name="Old", description="Kept.")
    template_update(template=template, actor=analyst, changes=TemplateChanges(name="New"))
    template.refresh_from_db()
    assert (template.name, template.description) == ("New", "Kept.")
    row = AuditLog.objects.get(action="template.updated")
    assert row.details == {"fields": ["name"]}


def test_empty_template_changes_change_nothing(organization, analyst):
    template = TemplateFactory(organization=organization)
    template_update(template=template, actor=analyst, changes=TemplateChanges())
    assert not AuditLog.objects.filter(action="template.updated").exists()


def test_bad_template_changes_are_refused_with_the_same_code(organization, analyst):
    template = TemplateFactory(organization=organization, kind=Template.Kind.AGENT)
    with pytest.raises(ValidationFailed) as refused:
        template_update(template=template, actor=analyst, changes=TemplateChanges(kind="macro"))
    assert refused.value.code == "invalid"
    assert "kind" in refused.value.fields
    template.refresh_from_db()
    assert template.kind == Template.Kind.AGENT


def test_a_bad_brand_colour_is_refused_with_the_same_code(organization, admin_user):
    with pytest.raises(ValidationFailed) as refused:
        branding_update(organization=organization, actor=admin_user, primary_color="red")
    assert refused.value.code == "invalid_color"
    assert "primary_color" in refused.value.fields
    organization.refresh_from_db()
    assert organization.primary_color != "red"

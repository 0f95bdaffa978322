"""The shared reads start from an organization: another organization's rows never appear, and
a row of another organization is as absent as one that never existed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from causeloop.core.errors import NotFound
from memberships.models import Membership
from organizations.audit import audit
from organizations.models import ApiKey, Template
from organizations.selectors import api_keys_for, audit_log_for, owned_row, templates_for
from tests.factories import ApiKeyFactory, MembershipFactory, TemplateFactory

pytestmark = pytest.mark.django_db


def test_audit_log_for_lists_only_the_organizations_rows_newest_first(
    organization, other_organization
):
    first = audit(organization, actor=None, action="first.done")
    audit(other_organization, actor=None, action="elsewhere.done")
    second = audit(organization, actor=None, action="second.done")
    assert list(audit_log_for(organization)) == [second, first]
    assert [row.action for row in audit_log_for(other_organization)] == ["elsewhere.done"]


def test_templates_for_lists_only_the_organizations_templates_by_name(
    organization, other_organization
):
    zeta = TemplateFactory(organization=organization, name="Zeta")
    alpha = TemplateFactory(organization=organization, name="Alpha")
    TemplateFactory(organization=other_organization, name="Beta")
    assert list(templates_for(organization)) == [alpha, zeta]


def test_api_keys_for_lists_only_the_organizations_keys_newest_first(
    organization, other_organization
):
    now = timezone.now()
    older = ApiKeyFactory(organization=organization, created_at=now - timedelta(days=1))
    ApiKeyFactory(organization=other_organization, created_at=now)
    newer = ApiKeyFactory(organization=organization, created_at=now)
    assert list(api_keys_for(organization)) == [newer, older]


def test_owned_row_finds_a_row_of_the_organization(organization):
    template = TemplateFactory(organization=organization)
    assert owned_row(Template, organization=organization, pk=template.pk) == template


@pytest.mark.parametrize("model", [Template, ApiKey, Membership])
def test_owned_row_refuses_another_organizations_row_as_not_found(
    organization, other_organization, model
):
    factory = {Template: TemplateFactory, ApiKey: ApiKeyFactory, Membership: MembershipFactory}
    theirs = factory[model](organization=other_organization)
    with pytest.raises(NotFound) as refused:
        owned_row(model, organization=organization, pk=theirs.pk)
    assert refused.value.code == "not_found"


@pytest.mark.parametrize("pk", [None, 42, "", "x" * 65, "tpl_\x00", "tpl_missing"])
def test_owned_row_refuses_any_other_reference_as_not_found(organization, pk):
    with pytest.raises(NotFound, match=r"^Template not found\.$"):
        owned_row(Template, organization=organization, pk=pk)

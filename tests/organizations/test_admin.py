"""The platform admin at /platform-admin/: change lists and the actions (the onboarding form:
`tests/onboarding/test_admin.py`)."""

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from zeal import zeal_ignore

from memberships.models import User
from onboarding.services.onboard import OnboardRequest, onboard_client
from organizations.audit import audit
from organizations.models import AuditLog, Organization, Subscription, Workspace
from tests.factories import (
    ApiKeyFactory,
    InvitationFactory,
    InviteCodeFactory,
    MembershipFactory,
    OrganizationFactory,
    PersonalTokenFactory,
    TemplateFactory,
    UserFactory,
)

CHANGELIST = "admin:organizations_organization_changelist"


def _populate(count):
    for _ in range(count):
        organization = OrganizationFactory()
        user = UserFactory()
        MembershipFactory(
            organization=organization, user=user, role="owner", is_active=True, invited_by=user
        )
        InvitationFactory(organization=organization, invited_by=user)
        InviteCodeFactory(organization=organization, created_by=user)
        ApiKeyFactory(organization=organization, created_by=user)
        TemplateFactory(organization=organization, created_by=user)
        PersonalTokenFactory(user=user)
        audit(organization, actor=user, action="workspace.created", target=organization)


CHANGELISTS = sorted(
    f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
    for model in admin.site._registry
)


@pytest.mark.parametrize("url_name", CHANGELISTS)
def test_every_change_list_renders_without_n_plus_one(
    staff_client, url_name, django_assert_max_num_queries
):
    url = reverse(url_name)
    with zeal_ignore():
        _populate(2)
    with django_assert_max_num_queries(14):
        small = staff_client.get(url)
    assert small.status_code == 200
    with zeal_ignore():
        _populate(18)
    with django_assert_max_num_queries(14):
        large = staff_client.get(url)
    assert large.status_code == 200


def test_organization_change_list_shows_useful_columns_search_and_filters(staff_client):
    onboard_client(
        request=OnboardRequest(org_name="Acme Corp", org_slug="acme", owner_email="alice@acme.com")
    )
    with zeal_ignore():
        OrganizationFactory(name="Globex", slug="globex")
    page = staff_client.get(reverse(CHANGELIST), {"q": "acme"})
    content = page.content.decode()
    assert page.status_code == 200
    assert "Acme Corp" in content
    assert "Globex" not in content
    assert Organization.objects.get(slug="acme").pk in content
    filtered = staff_client.get(reverse(CHANGELIST), {"status__exact": "suspended"})
    assert "Acme Corp" not in filtered.content.decode()


def test_non_staff_users_are_sent_to_the_login_page(client, db):
    user = UserFactory()
    with zeal_ignore():
        client.force_login(user)
    for url in (reverse(CHANGELIST), reverse("admin:index")):
        response = client.get(url)
        assert response.status_code == 302
        assert "/platform-admin/login/" in response["Location"]


def _act(client, action, organizations, **extra):
    with zeal_ignore():  # the action handles each selected organization in turn
        return client.post(
            reverse(CHANGELIST),
            {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in organizations], **extra},
        )


def test_suspend_and_reinstate_actions(staff_client, operator):
    organizations = [OrganizationFactory(), OrganizationFactory()]
    response = _act(staff_client, "suspend", organizations)
    assert response.status_code == 302
    assert set(Organization.objects.values_list("status", flat=True)) == {"suspended"}
    assert (
        AuditLog.objects.filter(action="organization.suspended", actor_user=operator).count() == 2
    )
    _act(staff_client, "reinstate", organizations)
    assert set(Organization.objects.values_list("status", flat=True)) == {"active"}


def test_approve_action_approves_pending_and_reports_the_others(staff_client):
    pending, active = OrganizationFactory(status="pending"), OrganizationFactory()
    response = _act(staff_client, "approve", [pending, active])
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == "active"
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("Only a pending organization can be approved" in m for m in messages)
    assert f"Approved {pending.name} ({pending.slug})." in messages


def test_purge_asks_for_confirmation_first_and_deletes_only_when_confirmed(staff_client):
    result = onboard_client(
        request=OnboardRequest(org_name="Acme", org_slug="acme", owner_email="alice@acme.com")
    )
    keep = OrganizationFactory()
    organization = Organization.objects.get(pk=result.org_id)

    page = _act(staff_client, "purge", [organization])
    assert page.status_code == 200
    assert "Yes, purge Acme" in page.content.decode()
    assert "acme" in page.content.decode()
    assert Organization.objects.filter(pk=organization.pk).exists()

    done = _act(staff_client, "purge", [organization], confirm="yes")
    assert done.status_code == 302
    assert not Organization.objects.filter(pk=organization.pk).exists()
    assert not Workspace.objects.filter(organization_id=organization.pk).exists()
    assert not Subscription.objects.filter(organization_id=organization.pk).exists()
    assert not AuditLog.objects.filter(organization_id=organization.pk).exists()
    assert User.objects.filter(pk=result.user_id).exists()
    assert Organization.objects.filter(pk=keep.pk).exists()


def test_organizations_cannot_be_deleted_bypassing_the_purge(staff_client, organization):
    response = staff_client.get(
        reverse("admin:organizations_organization_delete", args=[organization.pk])
    )
    assert response.status_code == 403
    assert Organization.objects.filter(pk=organization.pk).exists()


def test_the_audit_log_is_read_only(staff_client, organization):
    row = audit(organization, actor=None, action="organization.updated", target=organization)
    change = reverse("admin:organizations_auditlog_change", args=[row.pk])
    assert staff_client.get(reverse("admin:organizations_auditlog_add")).status_code == 403
    view = staff_client.get(change)
    assert view.status_code == 200
    assert 'name="_save"' not in view.content.decode()
    assert staff_client.post(change, {"action": "forged"}).status_code == 403
    assert (
        staff_client.post(
            reverse("admin:organizations_auditlog_delete", args=[row.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert AuditLog.objects.get(pk=row.pk).action == "organization.updated"


def test_a_workspace_cannot_be_deleted_on_its_own(staff_client, organization):
    workspace = Workspace.objects.get(organization=organization)
    url = reverse("admin:organizations_workspace_delete", args=[workspace.pk])
    assert staff_client.post(url, {"post": "yes"}).status_code == 403
    assert Workspace.objects.filter(pk=workspace.pk).exists()


def test_names_are_rendered_escaped(staff_client):
    onboard_client(
        request=OnboardRequest(
            org_name="<script>alert(1)</script>", org_slug="xss", owner_email="x@example.com"
        )
    )
    content = staff_client.get(reverse(CHANGELIST)).content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


@pytest.mark.parametrize("text", ['{"a": "\\u0000"}', '{"\\u0000": 1}', '{"a": ["\\ud800"]}'])
def test_admin_json_fields_refuse_nul_and_lone_surrogates(rf, operator, organization, text):
    """The platform admin's JSON textareas (`settings`, `scopes`) are under the API's rule: a
    NUL or a lone surrogate is a field error, never a database error."""
    request = rf.get("/")
    request.user = operator
    for model, field in ((Organization, "settings"), (ApiKeyFactory._meta.model, "scopes")):
        form_class = admin.site._registry[model].get_form(request)
        form = form_class(data={field: text})
        form.is_valid()
        assert field in form.errors, (model, form.errors)
        assert "NUL" in form.errors[field][0]

"""The platform admin at /platform-admin/: change lists, the onboarding form, the actions."""

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from zeal import zeal_context, zeal_ignore

from memberships.models import Membership, User
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
ONBOARD = "admin:organizations_organization_onboard"
ONBOARD_FORM = {
    "org_name": "Acme Corp",
    "org_slug": "acme",
    "owner_email": "alice@acme.com",
    "owner_name": "",
    "workspace_name": "",
    "plan": "growth",
    "timezone": "UTC",
    "seats": "",
}


@pytest.fixture
def operator(db):
    return User.objects.create_superuser("operator@causeloop.test", "operator-password-1")


@pytest.fixture
def client(client):
    """Each request is its own unit for N+1 detection (the session is read once per request,
    which is no N+1 however many requests a test makes)."""
    send = client.request

    def request(**kwargs):
        with zeal_context():
            return send(**kwargs)

    client.request = request
    return client


@pytest.fixture
def staff_client(client, operator):
    with zeal_ignore():
        client.force_login(operator)
    return client


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
    assert "Acme Corp" in content and "Globex" not in content
    assert Organization.objects.get(slug="acme").pk in content
    filtered = staff_client.get(reverse(CHANGELIST), {"status__exact": "suspended"})
    assert "Acme Corp" not in filtered.content.decode()
    assert "Onboard client" in content


def test_non_staff_users_are_sent_to_the_login_page(client, db):
    user = UserFactory()
    with zeal_ignore():
        client.force_login(user)
    for url in (reverse(CHANGELIST), reverse(ONBOARD), reverse("admin:index")):
        response = client.get(url)
        assert response.status_code == 302
        assert "/platform-admin/login/" in response["Location"]


def test_anonymous_visitors_are_sent_to_the_login_page(client, db):
    response = client.get(reverse(ONBOARD))
    assert response.status_code == 302 and "login" in response["Location"]


def test_onboard_form_renders_with_labelled_fields(staff_client):
    page = staff_client.get(reverse(ONBOARD))
    content = page.content.decode()
    assert page.status_code == 200
    for field in ONBOARD_FORM:
        assert f'for="id_{field}"' in content


def test_add_organization_leads_to_the_onboard_form(staff_client):
    response = staff_client.get(reverse("admin:organizations_organization_add"))
    assert response.status_code == 302 and response["Location"] == reverse(ONBOARD)


def test_onboard_form_creates_through_the_service_and_redirects(staff_client):
    response = staff_client.post(reverse(ONBOARD), ONBOARD_FORM)
    organization = Organization.objects.get(slug="acme")
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "admin:organizations_organization_change", args=[organization.pk]
    )
    assert organization.plan_id == "growth" and organization.seats == 50
    assert Membership.objects.get(organization=organization).user.email == "alice@acme.com"
    assert AuditLog.objects.get(organization=organization).action == "workspace.created"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("org_slug", "Admin", "is reserved"),
        ("org_slug", "-x-", "must start and end with a letter or digit"),
        ("owner_email", "nobody", "Enter a valid email address"),
        ("timezone", "Moon/Base", "not a known IANA timezone"),
        ("org_name", "", "This field is required"),
        ("plan", "gold", "Select a valid choice"),
        ("seats", "0", "greater than or equal to 1"),
    ],
)
def test_onboard_form_shows_errors_next_to_fields_and_creates_nothing(
    staff_client, field, value, message
):
    response = staff_client.post(reverse(ONBOARD), {**ONBOARD_FORM, field: value})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert message in errors[field][0]
    assert f"field-{field} errors" in response.content.decode()
    assert not Organization.objects.exists()
    assert not User.objects.filter(email="alice@acme.com").exists()


def test_onboard_form_reports_a_taken_slug(staff_client):
    onboard_client(
        request=OnboardRequest(org_name="Acme", org_slug="acme", owner_email="bob@acme.com")
    )
    with zeal_ignore():
        response = staff_client.post(reverse(ONBOARD), ONBOARD_FORM)
    assert response.status_code == 200
    assert response.context["form"].errors["org_slug"] == [
        'organization slug "acme" is already taken'
    ]
    assert Organization.objects.count() == 1


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
    assert any("Approved 1 organization" in m for m in messages)


def test_purge_asks_for_confirmation_first_and_deletes_only_when_confirmed(staff_client):
    result = onboard_client(
        request=OnboardRequest(org_name="Acme", org_slug="acme", owner_email="alice@acme.com")
    )
    keep = OrganizationFactory()
    organization = Organization.objects.get(pk=result.org_id)

    page = _act(staff_client, "purge", [organization])
    assert page.status_code == 200
    assert "Yes, purge them" in page.content.decode() and "acme" in page.content.decode()
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
    assert view.status_code == 200 and 'name="_save"' not in view.content.decode()
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
        org_name="<script>alert(1)</script>", org_slug="xss", owner_email="x@example.com"
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

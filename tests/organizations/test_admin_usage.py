"""The platform admin's view of usage (§9): the usage panel and the limit overrides on an
organization's page, the "Runs today" column, and read-only integrations and runs."""

import pytest
from django import forms
from django.urls import reverse
from zeal import zeal_ignore

from causeloop.core.errors import QuotaExceeded
from organizations.models import AuditLog, Integration, Organization, Run, Subscription
from organizations.services.integrations import integration_create
from organizations.services.runs import run_finish, run_start
from organizations.usage import usage_of
from tests.factories import member_of, organization_with_owner

CHANGELIST = "admin:organizations_organization_changelist"
SECRET = "sk-live-abcdefghijklmnop1234"


def _change_url(organization):
    return reverse("admin:organizations_organization_change", args=[organization.pk])


def _form_data(form, data):
    """What a browser would send back for `form` as it was shown."""
    for bound in form:
        if bound.field.disabled or isinstance(bound.field, forms.FileField):
            continue
        value = bound.value()
        if isinstance(bound.field.widget, forms.MultiWidget):
            parts = bound.field.widget.decompress(value)
            for index, part in enumerate(parts):
                data[f"{bound.html_name}_{index}"] = "" if part is None else part
        elif isinstance(value, bool):
            if value:
                data[bound.html_name] = "on"
        else:
            data[bound.html_name] = "" if value is None else value
    return data


def _shown_form(client, organization):
    """The organization's change page as the operator would submit it unchanged."""
    page = client.get(_change_url(organization))
    assert page.status_code == 200
    data = _form_data(page.context["adminform"].form, {})
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        _form_data(formset.management_form, data)
        for form in formset.forms:
            _form_data(form, data)
    return data


def _save(client, organization, **changes):
    data = _shown_form(client, organization)
    data.update(changes)
    with zeal_ignore():  # the admin's own save reads each inline's rows
        return client.post(_change_url(organization), data)


def _start(organization, actor):
    """Start a run and finish it at once (the concurrent limit stays out of the way)."""
    run = run_start(organization=organization, actor=actor).run
    run_finish(run=run, actor=actor, status="succeeded")
    return run


@pytest.fixture
def acme(db):
    organization, owner = organization_with_owner()
    Organization.objects.filter(pk=organization.pk).update(plan_id="starter")  # 6 runs a day
    organization.refresh_from_db()
    return organization, owner


def test_the_organization_page_shows_usage_against_the_limits(staff_client, acme):
    organization, owner = acme
    integration_create(
        organization=organization, actor=owner, name="Main", kind="openai", credential=SECRET
    )
    _start(organization, owner)
    run_start(organization=organization, actor=owner)  # still running

    page = staff_client.get(_change_url(organization)).content.decode()

    assert "Plan starter, days in UTC" in page
    assert '<th scope="row">Runs today' in page
    assert "<td>2</td>\n        <td>6</td>\n        <td>4</td>" in page
    assert '<th scope="row">Running now</th>\n        <td>1</td>' in page
    assert "Providers used: OpenAI." in page
    assert "override;" not in page
    assert SECRET not in page
    assert 'name="override_daily"' in page
    assert "Empty: the plan's 6." in page
    assert 'type="file"' not in page  # the logo is the branding service's to change


def test_operator_sets_an_override_and_the_next_start_obeys_it(staff_client, operator, acme):
    organization, owner = acme
    _start(organization, owner)

    response = _save(staff_client, organization, override_daily="1", override_providers="4")

    assert response.status_code == 302
    subscription = Subscription.objects.get(organization=organization)
    assert (subscription.daily_runs_limit, subscription.providers_limit) == (1, 4)
    row = AuditLog.objects.get(organization=organization, action="limits.overridden")
    assert row.actor_user == operator
    assert row.details == {"limits": {"daily": 1, "providers": 4}}
    with pytest.raises(QuotaExceeded) as refused:
        run_start(organization=organization, actor=owner)
    assert refused.value.fields["limit"] == "daily"
    assert usage_of(organization).usage.limits.daily == 1

    page = staff_client.get(_change_url(organization)).content.decode()
    assert "(override; plan: 6)" in page
    assert 'name="override_daily" value="1"' in page

    cleared = _save(staff_client, organization, override_daily="")
    assert cleared.status_code == 302
    assert Subscription.objects.get(organization=organization).daily_runs_limit is None
    assert run_start(organization=organization, actor=owner).usage.limits.daily == 6


def test_saving_the_page_without_touching_the_overrides_writes_no_override(staff_client, acme):
    organization, _ = acme
    response = _save(staff_client, organization, name="Acme Renamed")
    assert response.status_code == 302
    assert Organization.objects.get(pk=organization.pk).name == "Acme Renamed"
    assert not AuditLog.objects.filter(action="limits.overridden").exists()


def test_the_subscription_inline_cannot_set_an_override(staff_client, acme):
    organization, _ = acme
    page = staff_client.get(_change_url(organization)).content.decode()
    assert "subscription-0-daily_runs_limit" not in page
    response = _save(staff_client, organization, **{"subscription-0-daily_runs_limit": "99"})
    assert response.status_code == 302
    assert Subscription.objects.get(organization=organization).daily_runs_limit is None


def test_an_override_saved_with_a_subscription_change_keeps_both(staff_client, acme):
    organization, _ = acme
    response = _save(
        staff_client,
        organization,
        override_concurrent="3",
        **{"subscription-0-billing_status": "trialing"},
    )
    assert response.status_code == 302
    subscription = Subscription.objects.get(organization=organization)
    assert (subscription.billing_status, subscription.concurrent_runs_limit) == ("trialing", 3)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-1", "Daily must be a whole number from 0 to 10,000,000, or empty."),
        ("10000001", "Daily must be a whole number from 0 to 10,000,000, or empty."),
        ("abc", "Enter a whole number."),
        ("1.5", "Enter a whole number."),
    ],
)
def test_a_bad_override_is_a_form_error_and_changes_nothing(staff_client, acme, value, message):
    organization, _ = acme
    response = _save(
        staff_client, organization, name="Not Saved", override_daily=value, override_monthly="7"
    )
    assert response.status_code == 200
    assert message in response.context["adminform"].form.errors["override_daily"]
    subscription = Subscription.objects.get(organization=organization)
    assert (subscription.daily_runs_limit, subscription.monthly_runs_limit) == (None, None)
    assert Organization.objects.get(pk=organization.pk).name != "Not Saved"
    assert not AuditLog.objects.filter(action="limits.overridden").exists()


def _organizations_with_runs(count):
    for _ in range(count):
        organization, owner = organization_with_owner()
        _start(organization, owner)


def test_the_list_shows_runs_today_in_the_same_queries_at_any_size(
    staff_client, django_assert_max_num_queries
):
    with zeal_ignore():
        _organizations_with_runs(2)
    with django_assert_max_num_queries(14) as small:
        page = staff_client.get(reverse(CHANGELIST))
    assert page.content.decode().count('<td class="field-runs_today">1 of 2</td>') == 2
    with zeal_ignore():
        _organizations_with_runs(8)
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = staff_client.get(reverse(CHANGELIST))
    assert page.content.decode().count('<td class="field-runs_today">1 of 2</td>') == 10


def test_integrations_and_runs_are_read_only_and_show_no_credential(staff_client, acme):
    organization, owner = acme
    other, other_owner = organization_with_owner()
    integration = integration_create(
        organization=organization, actor=owner, name="Main", kind="anthropic", credential=SECRET
    )
    run = run_start(organization=organization, actor=owner, integration=integration.pk).run
    other_run = run_start(organization=other, actor=other_owner).run

    integrations = reverse("admin:organizations_integration_changelist")
    listed = staff_client.get(integrations).content.decode()
    assert "Main" in listed
    assert "…1234" in listed
    one = reverse("admin:organizations_integration_change", args=[integration.pk])
    shown = staff_client.get(one).content.decode()
    stored = bytes(Integration.objects.get(pk=integration.pk).credential)
    for page in (listed, shown):
        assert SECRET not in page
        assert "abcdefghijklmnop" not in page
        assert stored.decode() not in page
    assert staff_client.post(one, {"name": "Renamed"}).status_code == 403
    assert staff_client.get(reverse("admin:organizations_integration_add")).status_code == 403
    deleted = reverse("admin:organizations_integration_delete", args=[integration.pk])
    assert staff_client.post(deleted, {"post": "yes"}).status_code == 403
    assert Integration.objects.get(pk=integration.pk).name == "Main"

    runs = staff_client.get(
        reverse("admin:organizations_run_changelist"), {"organization__exact": organization.pk}
    ).content.decode()
    assert run.pk in runs
    assert other_run.pk not in runs
    assert "running" in runs
    run_page = reverse("admin:organizations_run_change", args=[run.pk])
    assert staff_client.post(run_page, {"status": "failed"}).status_code == 403
    assert Run.objects.get(pk=run.pk).status == "running"


def test_the_usage_panel_links_to_the_organizations_integrations_and_runs(staff_client, acme):
    organization, _ = acme
    page = staff_client.get(_change_url(organization)).content.decode()
    assert f"/platform-admin/organizations/run/?organization__exact={organization.pk}" in page
    assert (
        f"/platform-admin/organizations/integration/?organization__exact={organization.pk}" in page
    )


def test_members_are_not_operators(client, acme):
    organization, _ = acme
    with zeal_ignore():
        client.force_login(member_of(organization))
    response = client.get(_change_url(organization))
    assert response.status_code == 302
    assert "/platform-admin/login/" in response["Location"]

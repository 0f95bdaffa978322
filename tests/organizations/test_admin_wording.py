"""The platform admin speaks of organizations as people know them ("Acme Corp (acme)", not an ID
or a count), keeps its organization list narrow, and makes purging look like what it is."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from zeal import zeal_ignore

from organizations.admin import named
from organizations.models import Organization
from tests.factories import MembershipFactory, OrganizationFactory

CHANGELIST = "admin:organizations_organization_changelist"
ONBOARD = "admin:organizations_organization_onboard"


def _act(client, action, organizations, **extra):
    with zeal_ignore():  # the action handles each selected organization in turn
        return client.post(
            reverse(CHANGELIST),
            {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in organizations], **extra},
            follow=True,
        )


def _messages(response):
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def acme(db):
    return OrganizationFactory(name="Acme Corp", slug="acme")


@pytest.fixture
def globex(db):
    return OrganizationFactory(name="Globex", slug="globex")


def test_suspending_and_reinstating_name_the_organizations(staff_client, acme, globex):
    suspended = _act(staff_client, "suspend", [acme, globex])
    assert "Suspended Acme Corp (acme) and Globex (globex)." in _messages(suspended)
    reinstated = _act(staff_client, "reinstate", [acme])
    assert _messages(reinstated) == ["Reinstated Acme Corp (acme)."]


def test_a_refusal_names_the_organization_it_is_about(staff_client, acme):
    response = _act(staff_client, "approve", [acme])
    messages = _messages(response)
    assert len(messages) == 1
    assert messages[0].startswith("Acme Corp (acme): Only a pending organization")
    assert acme.pk not in messages[0]


def test_purging_names_what_was_purged(staff_client, acme):
    response = _act(staff_client, "purge", [acme], confirm="yes")
    assert _messages(response) == [
        "Purging Acme Corp (acme): suspended now, gone once the background purge has deleted "
        "their data; user accounts are kept."
    ]
    assert not Organization.objects.filter(pk=acme.pk).exists()


def test_the_purge_button_is_the_dangerous_kind_and_says_what_it_purges(staff_client, acme):
    page = _act(staff_client, "purge", [acme]).content.decode()
    assert 'class="danger-button" value="Yes, purge Acme Corp"' in page
    assert "causeloop/admin.css" in page
    assert "delete-confirmation" in page  # Django's own red confirmation styles apply too
    assert "style=" not in page.split("<body", 1)[1]
    assert Organization.objects.filter(pk=acme.pk).exists()


def test_purging_several_says_how_many_on_the_button(staff_client, acme, globex):
    page = _act(staff_client, "purge", [acme, globex]).content.decode()
    assert 'value="Yes, purge these 2 organizations"' in page
    done = _act(staff_client, "purge", [acme, globex], confirm="yes")
    assert _messages(done)[0].startswith("Purging Acme Corp (acme) and Globex (globex): ")


def test_onboarding_names_the_organization(staff_client):
    form = {
        "org_name": "Acme Corp",
        "org_slug": "acme",
        "owner_email": "alice@acme.com",
        "plan": "growth",
        "timezone": "UTC",
    }
    created = staff_client.post(reverse(ONBOARD), form, follow=True)
    assert _messages(created) == ["Onboarded Acme Corp (acme)."]
    again = staff_client.post(reverse(ONBOARD), form, follow=True)
    assert _messages(again) == ["Already onboarded: Acme Corp (acme)."]


def test_the_list_shows_seats_in_use_and_the_creation_date_without_the_id(staff_client, acme):
    with zeal_ignore():
        MembershipFactory(organization=acme, role="owner")
    page = staff_client.get(reverse(CHANGELIST)).content.decode()
    assert "1 of " + str(acme.seats) in page
    assert "column-created" in page
    assert "column-id" not in page
    assert "column-created_at" not in page
    search = staff_client.get(reverse(CHANGELIST), {"q": acme.pk}).content.decode()
    assert "Acme Corp" in search  # the ID still finds it


def test_many_organizations_are_named_then_counted():
    organizations = [Organization(name=f"Org {n}", slug=f"org-{n}") for n in range(7)]
    assert named(organizations[:1]) == "Org 0 (org-0)"
    assert named(organizations[:3]) == "Org 0 (org-0), Org 1 (org-1) and Org 2 (org-2)"
    assert named(organizations).endswith("Org 4 (org-4) and 2 more organizations")

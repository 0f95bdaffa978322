"""`/admin/integrations/`: every member sees the list; admins and owners add, rename, replace
and remove; the plan's providers limit is said before it is hit; another tenant's integrations
are 404; and a credential never comes back in any page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from zeal import zeal_ignore

from organizations.models import AuditLog, Integration
from organizations.roles import Role
from organizations.services.integrations import integration_create, integration_secret
from tests.factories import OrganizationFactory, member_of

pytestmark = pytest.mark.django_db

URL = "/admin/integrations/"
SECRET = "sk-live-0123456789abcdef-a1b2"
NEW_SECRET = "sk-live-fedcba9876543210-z9y8"


@pytest.fixture
def starter():
    """An organization on the Starter plan (3 providers), its owner and one integration."""
    organization = OrganizationFactory(name="Acme", plan_id="starter")
    owner = member_of(organization, Role.OWNER, name="Olive Owner")
    integration = integration_create(
        organization=organization,
        actor=owner,
        name="OpenAI prod",
        kind="openai",
        credential=SECRET,
    )
    return organization, owner, integration


def _html(response):
    html = response.content.decode()
    assert SECRET not in html
    assert NEW_SECRET not in html
    return html


def _state(organization):
    return sorted(
        Integration.objects.filter(organization=organization).values_list(
            "id", "name", "kind", "last_four", "credential_changed_at"
        )
    )


# --- who sees what ------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_every_member_sees_the_list_and_only_admins_the_form(signed_in, starter, role):
    organization, _owner, integration = starter
    response = signed_in(member_of(organization, role)).get(URL)
    assert response.status_code == 200
    html = _html(response)
    assert f'href="/admin/integrations/{integration.pk}/">OpenAI prod</a>' in html
    assert '<code class="fingerprint">…a1b2</code>' in html
    assert "by Olive Owner" in html
    assert "1 of 3 integrations on the Starter plan" in html
    assert ('type="password"' in html) is (role >= Role.ADMIN)
    assert ("Add integration</button>" in html) is (role >= Role.ADMIN)
    assert 'href="/admin/integrations/"' in html  # the navigation, for every role


@pytest.mark.parametrize("role", [Role.MEMBER, Role.ANALYST])
def test_members_see_an_integration_but_cannot_change_it(signed_in, starter, role):
    organization, _owner, integration = starter
    client = signed_in(member_of(organization, role))
    detail = f"{URL}{integration.pk}/"
    page = client.get(detail)
    assert page.status_code == 200
    assert "<form" not in _html(page).split("<main", 1)[1]
    before = _state(organization)
    posts = [
        (URL, {"name": "Mine", "kind": "openai", "credential": NEW_SECRET}),
        (detail, {"action": "rename", "name": "Renamed"}),
        (detail, {"action": "replace", "credential": NEW_SECRET}),
        (detail, {"action": "delete", "confirm": "yes"}),
    ]
    for path, data in posts:
        response = client.post(path, data)
        assert response.status_code == 403, (path, data)
        _html(response)
    assert _state(organization) == before
    assert integration_secret(Integration.objects.get(pk=integration.pk)) == SECRET


# --- adding ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.ADMIN, Role.OWNER])
def test_an_admin_adds_an_integration_and_its_credential_is_never_shown(signed_in, starter, role):
    organization, _owner, _integration = starter
    admin = member_of(organization, role, name="Ada Admin")
    client = signed_in(admin)
    data = {"name": "Claude", "kind": "anthropic", "credential": NEW_SECRET}
    response = client.post(URL, data)
    assert response.status_code == 302
    assert "no-store" in response["Cache-Control"]
    added = Integration.objects.get(organization=organization, name="Claude")
    assert (added.kind, added.last_four, added.created_by) == ("anthropic", "z9y8", admin)
    assert integration_secret(added) == NEW_SECRET
    assert AuditLog.objects.filter(action="integration.created", target_id=added.pk).exists()
    html = _html(client.get(URL))
    assert "Integration “Claude” added." in html
    assert '<code class="fingerprint">…z9y8</code>' in html
    assert "2 of 3 integrations on the Starter plan" in html
    _html(client.get(f"{URL}{added.pk}/"))


BAD_INPUT = [
    ({"name": "", "kind": "openai", "credential": NEW_SECRET}, "name"),
    ({"name": "   ", "kind": "openai", "credential": NEW_SECRET}, "name"),
    ({"name": "x" * 201, "kind": "openai", "credential": NEW_SECRET}, "name"),
    ({"name": "Claude", "kind": "carrier-pigeon", "credential": NEW_SECRET}, "kind"),
    ({"name": "Claude", "kind": "anthropic", "credential": "sk-1234"}, "credential"),
    ({"name": "Claude", "kind": "anthropic", "credential": ""}, "credential"),
    ({"name": "Claude", "kind": "anthropic", "credential": NEW_SECRET + "\nx"}, "credential"),
    ({"name": "OPENAI PROD", "kind": "anthropic", "credential": NEW_SECRET}, "name"),
]


@pytest.mark.parametrize(("data", "field"), BAD_INPUT)
def test_bad_input_is_answered_next_to_the_field_and_adds_nothing(signed_in, starter, data, field):
    organization, owner, _integration = starter
    before = _state(organization)
    response = signed_in(owner).post(URL, data)
    assert response.status_code in (400, 409)
    form = response.context["form"]
    assert list(form.errors) == [field]
    html = _html(response)
    assert f'id="id_{field}_error"' in html
    assert _state(organization) == before
    # The credential comes back empty, and says why when one was typed.
    assert 'name="credential" autocomplete="off"' in html
    assert 'name="credential" value=' not in html
    if data["credential"]:
        assert data["credential"] not in html
        assert "the credential was not kept: enter it again" in html


def test_a_nul_anywhere_is_refused_and_adds_nothing(signed_in, starter):
    organization, owner, integration = starter
    client = signed_in(owner)
    before = _state(organization)
    posts = [
        (URL, {"name": "Claude\x00", "kind": "anthropic", "credential": NEW_SECRET}),
        (URL, {"name": "Claude", "kind": "anthropic", "credential": NEW_SECRET + "\x00"}),
        (f"{URL}{integration.pk}/", {"action": "replace", "credential": "\x00" + NEW_SECRET}),
    ]
    for path, data in posts:
        response = client.post(path, data)
        assert response.status_code == 400
        _html(response)
    assert _state(organization) == before


def test_at_the_providers_limit_the_form_says_so_and_links_to_the_plan(signed_in):
    organization = OrganizationFactory(plan_id="free")  # one provider
    owner = member_of(organization, Role.OWNER)
    integration_create(
        organization=organization, actor=owner, name="Only", kind="aws", credential=SECRET
    )
    client = signed_in(owner)
    html = _html(client.get(URL))
    assert "1 of 1 integrations on the Free plan: that is the limit." in html
    assert 'href="/admin/plan/">change the plan</a>' in html
    assert "limit reached" in html
    assert "Add integration</button>" not in html

    before = _state(organization)
    response = client.post(URL, {"name": "Second", "kind": "gcp", "credential": NEW_SECRET})
    assert response.status_code == 409
    html = _html(response)
    assert 'role="alert"' in html
    assert "that is the limit" in html
    assert _state(organization) == before


# --- renaming, replacing, removing ------------------------------------------------------------


def test_an_admin_renames_and_replaces_the_credential(signed_in, starter):
    organization, _owner, integration = starter
    client = signed_in(member_of(organization, Role.ADMIN))
    detail = f"{URL}{integration.pk}/"
    page = client.get(detail)
    html = _html(page)
    assert 'value="OpenAI prod"' in html  # the name to edit; never the credential

    response = client.post(detail, {"action": "rename", "name": "OpenAI production"})
    assert response.status_code == 302
    integration.refresh_from_db()
    assert integration.name == "OpenAI production"
    assert integration_secret(integration) == SECRET

    response = client.post(detail, {"action": "replace", "credential": NEW_SECRET})
    assert response.status_code == 302
    integration.refresh_from_db()
    assert (integration.name, integration.last_four) == ("OpenAI production", "z9y8")
    assert integration_secret(integration) == NEW_SECRET
    html = _html(client.get(detail))
    assert "it now ends in …z9y8" in html
    assert AuditLog.objects.filter(action="integration.updated").count() == 2


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"action": "rename", "name": ""}, "name"),
        ({"action": "rename", "name": "   "}, "name"),
        ({"action": "rename", "name": "x" * 201}, "name"),
        ({"action": "replace", "credential": "short"}, "credential"),
        ({"action": "replace", "credential": ""}, "credential"),
    ],
)
def test_a_bad_change_is_answered_next_to_the_field(signed_in, starter, data, field):
    organization, owner, integration = starter
    before = _state(organization)
    response = signed_in(owner).post(f"{URL}{integration.pk}/", data)
    assert response.status_code == 400
    form = response.context["name_form" if field == "name" else "credential_form"]
    assert list(form.errors) == [field]
    html = _html(response)
    assert f'id="id_{field}_error"' in html
    assert "<h1>OpenAI prod</h1>" in html  # the saved name, not the refused one
    assert _state(organization) == before


def test_renaming_to_a_taken_name_is_refused(signed_in, starter):
    organization, owner, integration = starter
    integration_create(
        organization=organization, actor=owner, name="Claude", kind="anthropic", credential=SECRET
    )
    before = _state(organization)
    response = signed_in(owner).post(f"{URL}{integration.pk}/", {"name": "claude"})
    assert response.status_code == 409
    assert "Another integration has this name." in _html(response)
    assert _state(organization) == before


def test_removing_asks_first_then_removes(signed_in, starter):
    _organization, owner, integration = starter
    client = signed_in(owner)
    detail = f"{URL}{integration.pk}/"
    html = _html(client.get(detail))
    assert 'data-confirm-title="Remove the integration “OpenAI prod”?"' in html

    asked = client.post(detail, {"action": "delete"})
    assert asked.status_code == 200
    html = _html(asked)
    assert "Remove the integration “OpenAI prod”?" in html
    assert "erases its OpenAI credential (…a1b2) from Acme at once" in html
    assert Integration.objects.filter(pk=integration.pk).exists()

    response = client.post(detail, {"action": "delete", "confirm": "yes"})
    assert response.status_code == 302
    assert response["Location"] == URL
    assert not Integration.objects.filter(pk=integration.pk).exists()
    assert "Integration “OpenAI prod” removed." in _html(client.get(URL))


# --- another tenant ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize(
    ("method", "data"),
    [
        ("get", {}),
        ("post", {"action": "rename", "name": "Defaced"}),
        ("post", {"action": "replace", "credential": NEW_SECRET}),
        ("post", {"action": "delete"}),
        ("post", {"action": "delete", "confirm": "yes"}),
    ],
)
def test_another_tenants_integration_is_404_whatever_the_role(
    signed_in, starter, role, method, data
):
    other, _other_owner, theirs = starter
    mine = OrganizationFactory(plan_id="enterprise")
    client = signed_in(member_of(mine, role))
    before = _state(other)
    response = getattr(client, method)(f"{URL}{theirs.pk}/", data)
    assert response.status_code == 404
    assert b"OpenAI prod" not in response.content
    assert _state(other) == before
    assert integration_secret(Integration.objects.get(pk=theirs.pk)) == SECRET


def test_the_list_shows_only_my_organizations_integrations(signed_in, starter):
    _other, _other_owner, theirs = starter
    mine = OrganizationFactory(plan_id="growth")
    html = _html(signed_in(member_of(mine, Role.OWNER)).get(URL))
    assert theirs.pk not in html
    assert "…a1b2" not in html
    assert "No integrations yet." in html
    assert "0 of 10 integrations on the Growth plan" in html


# --- cost -----------------------------------------------------------------------------------


def _queries(client, path):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured)


def test_the_list_costs_the_same_queries_for_2_or_12_integrations(client):
    counts = []
    for size in (2, 12):
        organization = OrganizationFactory(plan_id="enterprise")
        owner = member_of(organization, Role.OWNER)
        for n in range(size):
            adder = member_of(organization, Role.ADMIN)
            integration_create(
                organization=organization,
                actor=adder,
                name=f"Provider {n}",
                kind="openai",
                credential=SECRET,
            )
        with zeal_ignore():
            client.force_login(owner)
        counts.append(_queries(client, URL))
    assert counts[0] == counts[1]

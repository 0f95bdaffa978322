"""The wizard as a state machine: Back corrects the organization it made and never makes a
second; every bad join input is a message beside the field that changes nothing; the screens
speak a person's words."""

from datetime import timedelta

import pytest
from django.utils import timezone
from zeal import zeal_ignore

from memberships.models import InviteCode, Membership
from memberships.services.invite_codes import invite_code_create
from organizations.models import ApiKey, AuditLog, Organization
from organizations.roles import Role
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

STEP = "/onboarding/organization/"


def create(client, name="Nia Lasb", kind="company", slug="", attempt=""):
    return client.post(
        STEP, {"action": "create", "name": name, "kind": kind, "slug": slug, "attempt": attempt}
    )


def finish(client, plan="free"):
    assert client.post("/onboarding/plan/", {"plan": plan})["Location"] == "/onboarding/success/"
    return client.get("/onboarding/success/")


# --- Back corrects, nothing is made twice ---------------------------------------------------


def test_back_from_success_edits_the_organization_and_makes_no_second(client, newcomer):
    create(client, name="Nia Lasb")
    assert finish(client).context["shown_once"] is not None
    # Back from the success page: the organization step shows the organization, filled in.
    step = client.get(STEP)
    assert step.status_code == 200
    assert step.context["editing"].name == "Nia Lasb"
    assert step.context["create_form"]["name"].value() == "Nia Lasb"
    assert b"Change Nia Lasb" in step.content
    assert b"Save and continue" in step.content
    assert "no-store" in step["Cache-Control"]  # the back button asks again
    # The typo is fixed; the derived address follows the name; still one organization.
    assert create(client, name="Nia Labs", kind="agency")["Location"] == "/onboarding/plan/"
    organization = Organization.objects.get()
    assert (organization.name, organization.slug, organization.kind) == (
        "Nia Labs",
        "nia-labs",
        "agency",
    )
    assert Membership.objects.filter(user=newcomer).count() == 1
    assert AuditLog.objects.filter(action="organization.updated").count() == 1
    # Choosing the plan again issues no second key.
    assert finish(client, plan="starter").context["shown_once"] is None
    assert ApiKey.objects.count() == 1


def test_saving_the_organization_unchanged_keeps_its_address(client, newcomer, organization):
    create(client, name=organization.name)  # `acme` is taken: the wizard's one is acme-2
    made = Organization.objects.exclude(pk=organization.pk).get()
    assert made.slug == f"{organization.slug}-2"
    step = client.get(STEP)
    assert step.context["create_form"]["slug"].value() == ""  # it follows the name
    assert create(client, name=organization.name).status_code == 302
    made.refresh_from_db()
    assert made.slug == f"{organization.slug}-2"
    assert client.get("/onboarding/slug-check/", {"name": organization.name}).json()["slug"] == (
        made.slug
    )
    assert client.get("/onboarding/slug-check/", {"slug": made.slug}).json()["available"]


def test_a_chosen_address_is_shown_for_correction_and_kept(client, newcomer):
    create(client, name="Nia Labs", slug="nia-hq")
    assert client.get(STEP).context["create_form"]["slug"].value() == "nia-hq"
    create(client, name="Nia Labs Ltd", slug="nia-hq")
    assert Organization.objects.get().slug == "nia-hq"


def test_correcting_to_a_taken_address_says_so_and_changes_nothing(client, newcomer, organization):
    create(client, name="Nia Labs")
    response = create(client, name="Nia Labs", slug=organization.slug)
    assert response.status_code == 400
    assert response.context["create_form"].errors["slug"] == [
        f'The address "{organization.slug}" is taken — try "{organization.slug}-2".'
    ]
    assert Organization.objects.get(name="Nia Labs").slug == "nia-labs"


def test_the_same_create_form_submitted_twice_makes_one_organization(client, newcomer):
    attempt = client.get(STEP).context["create_form"]["attempt"].value()
    assert attempt
    first = create(client, name="Nia Labs", attempt=attempt)
    # The session forgot the wizard (another tab, a lost cookie): the form's attempt remembers.
    session = client.session
    session.pop("causeloop.wizard", None)
    session.save()
    second = create(client, name="Nia Labs", attempt=attempt)
    assert first["Location"] == second["Location"] == "/onboarding/plan/"
    assert Organization.objects.count() == 1
    assert client.get("/onboarding/plan/").context["organization"].name == "Nia Labs"
    # A new blank form is a new organization.
    client.get("/onboarding/")
    fresh = client.get(STEP).context["create_form"]["attempt"].value()
    assert fresh != attempt


def test_starting_anew_after_finishing_makes_a_second_organization(client, newcomer):
    create(client, name="First Co")
    finish(client)
    assert b"Start a new one" in client.get(STEP).content
    assert client.get("/onboarding/")["Location"] == STEP  # the switcher's "New organization"
    assert client.get(STEP).context["editing"] is None
    create(client, name="Second Co")
    assert sorted(Organization.objects.values_list("name", flat=True)) == ["First Co", "Second Co"]


def test_an_organization_no_longer_theirs_is_not_edited(client, newcomer):
    create(client, name="Nia Labs")
    organization = Organization.objects.get()
    heir = UserFactory()
    MembershipFactory(user=heir, organization=organization, role=Role.OWNER)
    Membership.objects.filter(user=newcomer).update(role=Role.ADMIN)  # ownership handed over
    step = client.get(STEP)
    assert step.context["editing"] is None
    assert client.get("/onboarding/plan/")["Location"] == STEP
    create(client, name="Nia Labs")
    organization.refresh_from_db()
    assert organization.name == "Nia Labs"
    assert Organization.objects.count() == 2


def test_another_persons_wizard_state_is_never_theirs(client, newcomer):
    foreign = OrganizationFactory(name="Globex")
    session = client.session
    session["causeloop.wizard"] = {"organization": foreign.pk, "finished": False}
    session.save()
    assert client.get("/onboarding/plan/")["Location"] == STEP
    assert client.get(STEP).context["editing"] is None
    create(client, name="Mine")
    foreign.refresh_from_db()
    assert foreign.name == "Globex"


# --- the screens' words ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "label"),
    [("company", "Company name"), ("personal", "Workspace name"), ("agency", "Agency name")],
)
def test_the_name_field_is_labelled_for_the_chosen_type(client, newcomer, kind, label):
    response = create(client, name="", kind=kind)
    assert response.status_code == 400
    assert response.context["create_form"]["name"].label == label
    assert f">{label}</label>".encode() in response.content
    assert response.context["create_form"].errors["name"] == ["Enter a name for your organization."]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"slug": "-bad-"}, "slug", "Use only lowercase letters, digits, - and _ in the address"),
        ({"slug": "ab"}, "slug", "The address (slug) needs 3–50 characters."),
        ({"slug": "a" * 51}, "slug", "The address (slug) needs 3–50 characters."),
        ({"slug": "admin"}, "slug", '"admin" is reserved'),
        ({"name": "n" * 201}, "name", "Keep the name to 200 characters or fewer."),
        ({"kind": "empire"}, "kind", "Choose one of the types in the list."),
    ],
)
def test_bad_organization_input_is_a_message_beside_the_field(
    client, newcomer, fields, field, message
):
    response = client.post(
        STEP, {"action": "create", "name": "Nia Labs", "kind": "company", **fields}
    )
    assert response.status_code == 400
    assert response.context["create_form"].errors[field][0].startswith(message)
    assert not Organization.objects.exists()


def test_the_plan_cards_say_free_once_and_explain_runs_and_providers(client, newcomer):
    create(client, name="Nia Labs")
    page = client.get("/onboarding/plan/").content.decode()
    free_card = page.split('id="plan-free"')[1].split("</section>")[0]
    assert free_card.count("Free") == 2  # the heading and its button, not the price
    assert "$0" in free_card
    assert "<dt>Run</dt>" in page
    assert "<dt>Provider</dt>" in page
    assert "OpenAI" in page


def test_the_steps_start_at_sign_up_and_link_back(client, newcomer):
    create(client, name="Nia Labs")
    page = client.get("/onboarding/plan/").content.decode()
    assert "Sign up<span" in page
    assert f'href="{STEP}"' in page
    assert "Welcome" not in page


# --- joining: every bad code is a message beside the field ----------------------------------


@pytest.fixture
def code(organization, owner):
    return invite_code_create(organization=organization, actor=owner)


def join(client, value):
    return client.post(STEP, {"action": "join", "code": value})


def assert_refused(response, message, user):
    assert response.status_code == 400
    assert response.context["join_form"].errors["code"] == [message]
    assert message.encode() in response.content
    assert not Membership.objects.filter(user=user).exists()


@pytest.mark.parametrize("value", ["WRONGCODE", "x", "ABCD-EFGH", "é" * 8, "🙂" * 8, "A" * 40])
def test_a_mistyped_code_is_a_field_error(client, newcomer, code, value):
    response = join(client, value)
    assert_refused(response, "This invite code is not valid.", newcomer)
    assert b'id="id_code_error"' in response.content


def test_an_empty_code_is_a_field_error(client, newcomer):
    assert_refused(join(client, ""), "Enter the invite code you were given.", newcomer)


def test_an_expired_code_says_so(client, newcomer, code):
    InviteCode.objects.filter(pk=code.pk).update(expires_at=timezone.now() - timedelta(days=1))
    assert_refused(join(client, code.code), "This invite code has expired.", newcomer)


def test_a_deactivated_code_is_not_valid(client, newcomer, code):
    InviteCode.objects.filter(pk=code.pk).update(is_active=False)
    assert_refused(join(client, code.code), "This invite code is not valid.", newcomer)


def test_a_full_organization_says_to_ask_for_a_seat(client, newcomer, code, organization):
    Organization.objects.filter(pk=organization.pk).update(seats=1)  # the owner's
    response = join(client, code.code)
    assert_refused(
        response,
        "This organization has no free seat for you. Ask one of its admins to free a seat or "
        "add seats, then try again.",
        newcomer,
    )
    assert InviteCode.objects.get(pk=code.pk).uses == 0


def test_a_code_of_ones_own_organization_says_already_a_member(client, code, owner):
    with zeal_ignore():
        client.force_login(owner)
    response = join(client, code.code)
    assert response.status_code == 400
    assert response.context["join_form"].errors["code"] == ["You are already a member."]
    assert Membership.objects.filter(user=owner).count() == 1


def test_a_join_sent_while_correcting_shows_its_error(client, newcomer):
    create(client, name="Nia Labs")
    assert b"Or join your team" not in client.get(STEP).content
    response = join(client, "WRONGCODE")
    assert response.context["join_form"].errors["code"] == ["This invite code is not valid."]
    assert b"This invite code is not valid." in response.content
    assert b"Change Nia Labs" in response.content


def test_a_join_link_while_correcting_shows_the_join_form_filled_in(client, newcomer):
    create(client, name="Nia Labs")
    page = client.get(STEP, {"code": "K7MPQ2XR"})
    assert page.context["join_form"]["code"].value() == "K7MPQ2XR"
    assert b"Or join your team" in page.content
    assert b"Change Nia Labs" in page.content

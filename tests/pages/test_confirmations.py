"""Destructive actions ask first: a post without `confirm=yes` changes nothing and answers with
a confirmation page that says what will happen; the same post with `confirm=yes` acts."""

from dataclasses import dataclass
from typing import Any

import pytest

from memberships.models import Invitation, InviteCode, Membership
from organizations.models import ApiKey, Template
from organizations.roles import Role
from tests.factories import (
    ApiKeyFactory,
    InvitationFactory,
    InviteCodeFactory,
    MembershipFactory,
    TemplateFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@dataclass
class Case:
    path: str
    data: dict[str, Any]
    words: list[str]  # what the confirmation says
    state: Any  # () → what the action changes


def revoke_key(organization, actor):
    key = ApiKeyFactory(organization=organization, name="CI key")
    return Case(
        "/admin/api-keys/",
        {"action": "revoke", "key": key.pk},
        ["Revoking “CI key” stops every request that uses it at once. This cannot be undone."],
        lambda: ApiKey.objects.get(pk=key.pk).revoked_at is not None,
    )


def rotate_key(organization, actor):
    key = ApiKeyFactory(organization=organization, name="CI key")
    return Case(
        "/admin/api-keys/",
        {"action": "rotate", "key": key.pk},
        ["Rotating “CI key”", "the old key stops working at once"],
        lambda: (
            ApiKey.objects.filter(organization=organization).count() == 2
            and ApiKey.objects.get(pk=key.pk).revoked_at is not None
        ),
    )


def delete_template(organization, actor):
    template = TemplateFactory(organization=organization, name="Weekly digest")
    return Case(
        f"/admin/templates/{template.pk}/",
        {"action": "delete"},
        [f"Deleting “Weekly digest” removes it for everyone in {organization.name}."],
        lambda: not Template.objects.filter(pk=template.pk).exists(),
    )


def remove_member(organization, actor):
    user = UserFactory(email="bob@example.com", name="Bob Builder")
    membership = MembershipFactory(organization=organization, user=user, role=Role.ANALYST)
    return Case(
        "/admin/members/",
        {"action": "remove", "membership": membership.pk},
        [f"Bob Builder (bob@example.com) loses access to {organization.name} at once."],
        lambda: not Membership.objects.filter(pk=membership.pk).exists(),
    )


def leave(organization, actor):
    membership = Membership.objects.get(user=actor, organization=organization)
    return Case(
        "/admin/members/",
        {"action": "remove", "membership": membership.pk},
        [f"You lose access to {organization.name} at once."],
        lambda: not Membership.objects.filter(pk=membership.pk).exists(),
    )


def demote(organization, actor):
    user = UserFactory(email="ann@example.com", name="")
    membership = MembershipFactory(organization=organization, user=user, role=Role.ADMIN)
    return Case(
        "/admin/members/",
        {"action": "change_role", "membership": membership.pk, "role": "member"},
        [
            "Make ann@example.com a member?",
            "ann@example.com will no longer be able to change settings and branding",
            "or create and edit templates",
        ],
        lambda: Membership.objects.get(pk=membership.pk).role == Role.MEMBER,
    )


def revoke_invitation(organization, actor):
    invitation = InvitationFactory(organization=organization, email="carl@example.com")
    return Case(
        "/admin/members/",
        {"action": "revoke", "invitation": invitation.pk},
        ["The link sent to carl@example.com stops working at once"],
        lambda: Invitation.objects.get(pk=invitation.pk).status == Invitation.Status.REVOKED,
    )


def deactivate_code(organization, actor):
    code = InviteCodeFactory(organization=organization)
    return Case(
        "/admin/members/",
        {"action": "deactivate_code", "code": code.pk},
        [f"Nobody can join with {code.code} or its join link any more"],
        lambda: not InviteCode.objects.get(pk=code.pk).is_active,
    )


CASES = [
    revoke_key,
    rotate_key,
    delete_template,
    remove_member,
    leave,
    demote,
    revoke_invitation,
    deactivate_code,
]


@pytest.fixture
def actor(organization, make_member):
    """An admin, beside the organization's owner (so that the admin may leave)."""
    make_member(organization, Role.OWNER)
    return make_member(organization, Role.ADMIN)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.__name__)
def test_without_confirm_nothing_changes_and_the_confirmation_says_what_will_happen(
    signed_in, organization, actor, case
):
    action = case(organization, actor)
    response = signed_in(actor).post(action.path, action.data)
    assert response.status_code == 200
    assert response.templates[0].name == "pages/confirm.html"
    text = response.content.decode()
    for words in action.words:
        assert words in text
    # The confirming form posts the same fields again, with confirm=yes; Cancel goes back.
    assert '<input type="hidden" name="confirm" value="yes">' in text
    for name, value in action.data.items():
        assert f'name="{name}" value="{value}"' in text
    assert f'href="{action.path}" class="button button--secondary">Cancel</a>' in text
    assert not action.state()


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.__name__)
def test_with_confirm_the_action_is_done(signed_in, organization, actor, case):
    action = case(organization, actor)
    response = signed_in(actor).post(action.path, {**action.data, "confirm": "yes"})
    assert response.status_code == 302
    assert action.state()


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.__name__)
def test_the_page_carries_the_same_words_for_the_dialog(signed_in, organization, actor, case):
    action = case(organization, actor)
    page = signed_in(actor).get(action.path).content.decode()
    assert 'id="confirm-dialog"' in page
    assert "causeloop/confirm.js" in page
    for words in action.words:
        assert words in page.replace("&quot;", '"')


def test_a_promotion_needs_no_confirmation(signed_in, organization, actor):
    user = UserFactory()
    membership = MembershipFactory(organization=organization, user=user, role=Role.MEMBER)
    response = signed_in(actor).post(
        "/admin/members/",
        {"action": "change_role", "membership": membership.pk, "role": "analyst"},
    )
    assert response.status_code == 302
    assert Membership.objects.get(pk=membership.pk).role == Role.ANALYST


def test_confirming_what_the_role_refuses_still_changes_nothing(signed_in, organization):
    """Asking first is no way around the rules: a member cannot delete a template even when
    the post says confirm=yes, and is not asked either."""
    member = MembershipFactory(organization=organization, role=Role.MEMBER, is_active=True).user
    template = TemplateFactory(organization=organization)
    client = signed_in(member)
    for data in ({"action": "delete"}, {"action": "delete", "confirm": "yes"}):
        assert client.post(f"/admin/templates/{template.pk}/", data).status_code == 403
    assert Template.objects.filter(pk=template.pk).exists()

"""`/scim/v2/Groups`: the four roles as groups. Their members are the directory's people with
that role; putting someone in a group gives them its role, taking them out makes them a
member; the last owner stays an owner; the groups cannot be created, renamed or deleted."""

from urllib.parse import quote

import pytest
from zeal import zeal_ignore

from directory.models import DirectoryUser
from memberships.models import Membership
from organizations.models import AuditLog
from organizations.roles import Role
from tests.directory.conftest import new_user, patch_of, scim_error
from tests.factories import organization_with_owner

pytestmark = pytest.mark.django_db

GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"


@pytest.fixture
def people(scim, acme):
    """Ada and Grace (members), Katherine (an admin, deactivated)."""
    made = {
        name: scim.post("/Users", new_user(f"{name}@acme.test", displayName=name.title())).json()[
            "id"
        ]
        for name in ("ada", "grace", "katherine")
    }
    _add(scim, "admin", made["katherine"])
    scim.patch(
        f"/Users/{made['katherine']}",
        patch_of({"op": "replace", "path": "active", "value": False}),
    )
    return made


def _add(scim, group, *ids):
    value = [{"value": pk} for pk in ids]
    return scim.patch(
        f"/Groups/{group}", patch_of({"op": "add", "path": "members", "value": value})
    )


def _role(acme, user_id):
    """The person's member's role (None while inactive) and the role their record keeps."""
    with zeal_ignore():  # the test reads one person after another
        return _role_of(acme, user_id)


def _role_of(acme, user_id):
    record = DirectoryUser.objects.filter(pk=user_id).values_list("user_id", "role").get()
    membership = Membership.objects.filter(organization=acme[0], user_id=record[0]).first()
    return membership.role if membership else None, record[1]


def _members(scim, group):
    body = scim.get(f"/Groups/{group}").json()
    return {member["value"] for member in body.get("members", [])}


def test_the_groups_are_the_four_roles_with_their_people(scim, acme, people):
    response = scim.get("/Groups")
    assert response.status_code == 200
    body = response.json()
    assert body["totalResults"] == 4
    groups = {group["id"]: group for group in body["Resources"]}
    assert [g["displayName"] for g in body["Resources"]] == [
        "Owners",
        "Admins",
        "Analysts",
        "Members",
    ]
    assert "members" not in groups["owner"]  # the owner came in no directory
    # A deactivated person is in the group of the role kept for their return.
    assert groups["admin"]["members"] == [
        {
            "value": people["katherine"],
            "$ref": f"http://testserver/scim/v2/Users/{people['katherine']}",
            "type": "User",
            "display": "Katherine",
        }
    ]
    assert {m["value"] for m in groups["member"]["members"]} == {people["ada"], people["grace"]}
    assert groups["member"]["meta"]["location"] == "http://testserver/scim/v2/Groups/member"


def test_groups_filter_page_and_leave_members_out_on_request(scim, people):
    admins = scim.get(f"/Groups?filter={quote('displayName eq "admins"')}").json()
    assert [group["id"] for group in admins["Resources"]] == ["admin"]
    by_member = scim.get(f"/Groups?filter={quote(f'members.value eq "{people["ada"]}"')}").json()
    assert [group["id"] for group in by_member["Resources"]] == ["member"]
    lean = scim.get("/Groups?excludedAttributes=members").json()
    assert all("members" not in group for group in lean["Resources"])
    page = scim.get("/Groups?startIndex=2&count=2").json()
    assert [group["id"] for group in page["Resources"]] == ["admin", "analyst"]
    assert page["totalResults"] == 4
    searched = scim.post(
        "/Groups/.search",
        {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "count": 1},
    ).json()
    assert [group["id"] for group in searched["Resources"]] == ["owner"]
    assert scim.get("/Groups/analyst").json()["displayName"] == "Analysts"
    scim_error(scim.get("/Groups/superuser"), 404)
    scim_error(scim.get(f"/Groups?filter={quote('displayName zz 1')}"), 400, "invalidFilter")


def test_several_people_change_role_in_one_request(scim, acme, people):
    more = [scim.post("/Users", new_user(f"p{n}@acme.test")).json()["id"] for n in range(4)]
    assert _add(scim, "analyst", people["ada"], people["grace"], *more).status_code == 204
    for pk in (people["ada"], people["grace"], *more):
        assert _role(acme, pk) == (Role.ANALYST, Role.ANALYST)
    assert (
        scim.put(
            "/Groups/analyst", {"schemas": [GROUP_SCHEMA], "displayName": "Analysts"}
        ).status_code
        == 200
    )
    for pk in (people["ada"], people["grace"], *more):
        assert _role(acme, pk) == (Role.MEMBER, Role.MEMBER)


def test_adding_to_a_group_gives_its_role(scim, acme, people, token_and_secret):
    response = _add(scim, "analyst", people["ada"])
    assert response.status_code == 204, response.content
    assert _role(acme, people["ada"]) == (Role.ANALYST, Role.ANALYST)
    assert _members(scim, "analyst") == {people["ada"]}
    assert people["ada"] not in _members(scim, "member")
    changed = AuditLog.objects.get(
        organization=acme[0], action="member.role_changed", details__email="ada@acme.test"
    )
    assert changed.details == {"email": "ada@acme.test", "from": "member", "to": "analyst"}
    assert changed.actor_name == token_and_secret[0].display_name
    user = scim.get(f"/Users/{people['ada']}").json()
    assert user["groups"][0]["value"] == "analyst"


def test_removing_from_a_group_makes_a_member(scim, acme, people):
    _add(scim, "admin", people["ada"])
    response = scim.patch(
        "/Groups/admin",
        patch_of({"op": "remove", "path": f'members[value eq "{people["ada"]}"]'}),
    )
    assert response.status_code == 204, response.content
    assert _role(acme, people["ada"]) == (Role.MEMBER, Role.MEMBER)
    # Entra names what it removes in `value`.
    _add(scim, "admin", people["grace"])
    response = scim.patch(
        "/Groups/admin",
        patch_of({"op": "Remove", "path": "members", "value": [{"value": people["grace"]}]}),
    )
    assert response.status_code == 204, response.content
    assert _role(acme, people["grace"]) == (Role.MEMBER, Role.MEMBER)
    # Out of the members' group is nowhere: they stay members.
    scim.patch("/Groups/member", patch_of({"op": "remove", "path": "members"}))
    assert _role(acme, people["grace"]) == (Role.MEMBER, Role.MEMBER)


def test_a_deactivated_persons_group_sets_the_role_they_come_back_with(scim, acme, people):
    assert _add(scim, "owner", people["katherine"]).status_code == 204
    assert _role(acme, people["katherine"]) == (None, Role.OWNER)
    scim.patch(
        f"/Users/{people['katherine']}",
        patch_of({"op": "replace", "path": "active", "value": True}),
    )
    assert _role(acme, people["katherine"]) == (Role.OWNER, Role.OWNER)


def test_replacing_a_groups_members(scim, acme, people):
    _add(scim, "admin", people["ada"])
    response = scim.put(
        "/Groups/admin",
        {
            "schemas": [GROUP_SCHEMA],
            "displayName": "Admins",
            "members": [{"value": people["grace"]}],
        },
    )
    assert response.status_code == 200, response.content
    assert {m["value"] for m in response.json()["members"]} == {people["grace"]}
    assert _role(acme, people["grace"])[0] == Role.ADMIN
    assert _role(acme, people["ada"])[0] == Role.MEMBER
    assert _role(acme, people["katherine"]) == (None, Role.MEMBER)  # out of admins too


def test_the_directory_makes_owners_but_never_leaves_none(scim, acme, people):
    organization, owner = acme
    owner_record = scim.post("/Users", new_user(owner.email)).json()["id"]
    assert _members(scim, "owner") == {owner_record}
    before = sorted(Membership.objects.values_list("user_id", "role"))
    detail = scim_error(
        scim.patch(
            "/Groups/owner",
            patch_of({"op": "remove", "path": f'members[value eq "{owner_record}"]'}),
        ),
        409,
    )
    assert "at least one owner" in detail
    assert sorted(Membership.objects.values_list("user_id", "role")) == before
    # Another owner first, then the first steps down, in one request.
    response = scim.put(
        "/Groups/owner",
        {"schemas": [GROUP_SCHEMA], "displayName": "Owners", "members": [{"value": people["ada"]}]},
    )
    assert response.status_code == 200, response.content
    assert _role(acme, people["ada"])[0] == Role.OWNER
    assert Membership.objects.get(organization=organization, user=owner).role == Role.MEMBER


@pytest.mark.parametrize(
    "value",
    [
        [{"value": "dus_01jd8x0000000000000000000"}],
        [{"value": "owner", "type": "Group"}],
        [{"display": "nobody"}],
    ],
)
def test_members_that_are_not_people_of_this_directory_are_refused(scim, acme, people, value):
    before = sorted(DirectoryUser.objects.values_list("pk", "role"))
    response = scim.patch(
        "/Groups/admin", patch_of({"op": "add", "path": "members", "value": value})
    )
    scim_error(response, 400, "invalidValue")
    assert sorted(DirectoryUser.objects.values_list("pk", "role")) == before


def test_another_organizations_person_cannot_be_added(scim, people):
    other, other_owner = organization_with_owner()
    stranger = DirectoryUser.objects.create(
        organization=other, user=other_owner, user_name="stranger"
    )
    scim_error(_add(scim, "admin", stranger.pk), 400, "invalidValue")
    stranger.refresh_from_db()
    assert stranger.role == Role.MEMBER


def test_the_groups_are_fixed(scim, people):
    before = sorted(DirectoryUser.objects.values_list("pk", "role"))
    detail = scim_error(
        scim.post("/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Engineering"}), 403
    )
    assert "four roles" in detail
    scim_error(scim.delete("/Groups/admin"), 403)
    scim_error(scim.delete("/Groups/nope"), 404)
    response = scim.patch(
        "/Groups/admin", patch_of({"op": "replace", "path": "displayName", "value": "Bosses"})
    )
    scim_error(response, 400, "mutability")
    assert sorted(DirectoryUser.objects.values_list("pk", "role")) == before
    # A replacement's name is read-only, so ignored (RFC 7644 §3.5.1): its members count.
    response = scim.put(
        "/Groups/admin",
        {"schemas": [GROUP_SCHEMA], "displayName": "Bosses", "members": [{"value": people["ada"]}]},
    )
    assert response.status_code == 200, response.content
    assert response.json()["displayName"] == "Admins"
    assert [m["value"] for m in response.json()["members"]] == [people["ada"]]

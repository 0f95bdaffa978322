"""`/scim/v2/Groups`: the organization's four roles as groups — listed, read, their members
replaced or patched. They cannot be created or deleted: they are the roles."""

from __future__ import annotations

from typing import Any

from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from scim2_models import Context, GroupMember, PatchOp, ResponseParameters, SearchRequest

from causeloop.core.errors import Forbidden, NotFound
from causeloop.web.scim.base import ScimView, page_bounds
from directory.scim import ROLE_GROUPS, group_resource, role_of_group
from directory.scim import Group as ScimGroup
from directory.selectors.scim import GroupPerson, group_people
from directory.services.scim_groups import scim_group_patch, scim_group_replace
from organizations.roles import Role

FIXED = (
    "The groups are the organization's four roles (owner, admin, analyst and member): they "
    "cannot be created or deleted. Put people in them to give them a role."
)


def _role(group_id: str) -> Role:
    role = role_of_group(group_id)
    if role is None:
        raise NotFound("Group not found.")
    return role


def _shows_members(parameters: ResponseParameters[Any], scim_filter: object = None) -> bool:
    """Whether an answer needs the groups' members: it shows them, or its filter reads them."""
    if "members" in str(scim_filter or "").lower():
        return True
    excluded = {str(path).lower() for path in parameters.excluded_attributes or []}
    wanted = {str(path).lower() for path in parameters.attributes or []}
    if excluded and any(path.startswith("members") for path in excluded):
        return False
    return not wanted or any(path.startswith("members") for path in wanted)


class GroupsBase(ScimView):
    def group(self, role: Role, people: list[GroupPerson] | None) -> ScimGroup:
        """The group of `role`, with its members when they were read."""
        members = None
        if people is not None:
            members = [
                GroupMember.model_validate(
                    {
                        "value": person.id,
                        "$ref": f"{self.base_url}/Users/{person.id}",
                        "type": "User",
                        "display": person.name,
                    }
                )
                for person in people
                if person.role == role.value
            ]
        resource = group_resource(role, members=members)
        resource.meta = self.meta(
            "Group", f"Groups/{role.value}", created=self.organization.created_at
        )
        return resource

    def answer(self, role: Role) -> Response:
        parameters = self.response_parameters(ScimGroup)
        people = group_people(self.organization, role) if _shows_members(parameters) else None
        return self.resource(self.group(role, people), parameters=parameters)

    def search(self, search: SearchRequest[Any]) -> Response:
        """The groups `search` asks for, filtered here: there are four."""
        shows = _shows_members(search, search.filter)
        people = group_people(self.organization) if shows else None
        groups = [self.group(role, people) for role in ROLE_GROUPS]
        if search.filter is not None:
            groups = [group for group in groups if search.filter.match(group)]
        start, count = page_bounds(search)
        page = groups[start - 1 : start - 1 + count]
        return self.listed(ScimGroup, page, total=len(groups), start=start, parameters=search)


class GroupsView(GroupsBase):
    def get(self, request: Request) -> Response:
        return self.search(self.search_of(ScimGroup, request.query_params.dict()))

    def post(self, request: Request) -> Response:
        raise Forbidden(FIXED, code="roles_are_fixed")


class GroupsSearchView(GroupsBase):
    """`POST /Groups/.search`: a search with its parameters in the body."""

    def post(self, request: Request) -> Response:
        return self.search(self.search_of(ScimGroup, request.data))


class GroupView(GroupsBase):
    def get(self, request: Request, group_id: str) -> Response:
        return self.answer(_role(group_id))

    def put(self, request: Request, group_id: str) -> Response:
        role = _role(group_id)
        resource = self.validated(ScimGroup, request.data, Context.RESOURCE_REPLACEMENT_REQUEST)
        scim_group_replace(
            organization=self.organization, token=self.token, role=role, resource=resource
        )
        return self.answer(role)

    def patch(self, request: Request, group_id: str) -> Response:
        role = _role(group_id)
        patch = self.validated(PatchOp[ScimGroup], request.data, Context.RESOURCE_PATCH_REQUEST)
        scim_group_patch(organization=self.organization, token=self.token, role=role, patch=patch)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def delete(self, request: Request, group_id: str) -> Response:
        _role(group_id)
        raise Forbidden(FIXED, code="roles_are_fixed")

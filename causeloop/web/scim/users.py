"""`/scim/v2/Users`: the organization's directory people — listed (filtered, a page at a
time), created, read, replaced, patched and deleted."""

from __future__ import annotations

from typing import Any

from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from scim2_models import Context, PatchOp, SearchRequest

from causeloop.web.scim.base import ScimView, page_bounds
from directory.models import DirectoryUser
from directory.scim import User as ScimUser
from directory.scim import user_resource
from directory.selectors.scim import directory_user_in, directory_users_matching
from directory.services.scim_users import (
    scim_user_create,
    scim_user_delete,
    scim_user_patch,
    scim_user_replace,
)


class UsersBase(ScimView):
    def user(self, directory_user: DirectoryUser) -> ScimUser:
        """A directory user (read with its `role_now`) as the User the service answers with."""
        resource = user_resource(
            directory_user,
            role=getattr(directory_user, "role_now", directory_user.role),
            base_url=self.base_url,
        )
        resource.meta = self.meta(
            "User",
            f"Users/{directory_user.pk}",
            created=directory_user.created_at,
            last_modified=directory_user.updated_at,
        )
        return resource

    def answer(self, directory_user: DirectoryUser, *, status_code: int = 200) -> Response:
        """The person as they stand now (read again: the change may have moved their role)."""
        current = directory_user_in(self.organization, directory_user.pk)
        parameters = self.response_parameters(ScimUser)
        return self.resource(self.user(current), status=status_code, parameters=parameters)

    def search(self, search: SearchRequest[Any]) -> Response:
        """A page of the people `search` asks for; its total from the database."""
        rows = directory_users_matching(self.organization, search.filter)
        start, count = page_bounds(search)
        total = rows.count()
        page = list(rows[start - 1 : start - 1 + count]) if count else []
        return self.listed(
            ScimUser, [self.user(row) for row in page], total=total, start=start, parameters=search
        )


class UsersView(UsersBase):
    def get(self, request: Request) -> Response:
        return self.search(self.search_of(ScimUser, request.query_params.dict()))

    def post(self, request: Request) -> Response:
        resource = self.validated(ScimUser, request.data, Context.RESOURCE_CREATION_REQUEST)
        directory_user = scim_user_create(
            organization=self.organization, token=self.token, resource=resource
        )
        return self.answer(directory_user, status_code=status.HTTP_201_CREATED)


class UsersSearchView(UsersBase):
    """`POST /Users/.search`: a search with its parameters in the body."""

    def post(self, request: Request) -> Response:
        return self.search(self.search_of(ScimUser, request.data))


class UserView(UsersBase):
    def get(self, request: Request, user_id: str) -> Response:
        return self.answer(directory_user_in(self.organization, user_id))

    def put(self, request: Request, user_id: str) -> Response:
        directory_user = directory_user_in(self.organization, user_id)
        resource = self.validated(ScimUser, request.data, Context.RESOURCE_REPLACEMENT_REQUEST)
        scim_user_replace(directory_user=directory_user, token=self.token, resource=resource)
        return self.answer(directory_user)

    def patch(self, request: Request, user_id: str) -> Response:
        directory_user = directory_user_in(self.organization, user_id)
        patch = self.validated(PatchOp[ScimUser], request.data, Context.RESOURCE_PATCH_REQUEST)
        scim_user_patch(directory_user=directory_user, token=self.token, patch=patch)
        return self.answer(directory_user)

    def delete(self, request: Request, user_id: str) -> Response:
        directory_user = directory_user_in(self.organization, user_id)
        scim_user_delete(directory_user=directory_user, token=self.token)
        return Response(status=status.HTTP_204_NO_CONTENT)

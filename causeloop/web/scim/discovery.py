"""What the SCIM service says about itself (RFC 7644 §4): `/ServiceProviderConfig`,
`/ResourceTypes` and `/Schemas` (read only), the service root's `/.search`, which it does not
offer, and the answer to any other path."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from rest_framework.request import Request
from rest_framework.response import Response
from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    ETag,
    Filter,
    NotImplementedException,
    Pagination,
    Patch,
    ResourceType,
    Schema,
    ServiceProviderConfig,
    Sort,
)

from causeloop.core.errors import NotFound
from causeloop.web.scim.base import MAX_RESULTS, ScimView
from causeloop.web.scim.errors import error_response
from directory.scim import GROUP_SCHEMA, USER_SCHEMA, schemas

_RESOURCE_TYPES = (
    ("User", "/Users", USER_SCHEMA, "The organization's people."),
    ("Group", "/Groups", GROUP_SCHEMA, "The organization's four roles."),
)


class ServiceProviderConfigView(ScimView):
    def get(self, request: Request) -> Response:
        config = ServiceProviderConfig(
            patch=Patch(supported=True),
            bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
            filter=Filter(supported=True, max_results=MAX_RESULTS),
            change_password=ChangePassword(supported=False),
            sort=Sort(supported=False),
            etag=ETag(supported=False),
            authentication_schemes=[
                AuthenticationScheme(
                    type=AuthenticationScheme.Type.oauthbearertoken,
                    name="SCIM token",
                    description=(
                        "The organization's SCIM token (scim_…), made on its Directory page, "
                        "as Authorization: Bearer <token>."
                    ),
                    primary=True,
                )
            ],
            pagination=Pagination(
                cursor=False, index=True, default_page_size=MAX_RESULTS, max_page_size=MAX_RESULTS
            ),
        )
        config.meta = self.meta("ServiceProviderConfig", "ServiceProviderConfig")
        return self.resource(config)


class DiscoveryBase(ScimView):
    def resource_types(self) -> list[ResourceType]:
        found = []
        for name, endpoint, schema, description in _RESOURCE_TYPES:
            resource_type = ResourceType.model_validate(
                {
                    "id": name,
                    "name": name,
                    "endpoint": endpoint,
                    "schema": schema,
                    "description": description,
                }
            )
            resource_type.meta = self.meta("ResourceType", f"ResourceTypes/{name}")
            found.append(resource_type)
        return found

    def schemas(self) -> list[Schema]:
        published = schemas()
        for schema in published:
            schema.meta = self.meta("Schema", f"Schemas/{schema.id}")
        return published

    def one(self, resources: list[Any], resource_id: str) -> Response:
        found = next((resource for resource in resources if resource.id == resource_id), None)
        if found is None:
            raise NotFound("No such resource.")
        return self.resource(found)


class ResourceTypesView(DiscoveryBase):
    def get(self, request: Request) -> Response:
        found = self.resource_types()
        return self.listed(ResourceType, found, total=len(found), start=1)


class ResourceTypeView(DiscoveryBase):
    def get(self, request: Request, resource_id: str) -> Response:
        return self.one(self.resource_types(), resource_id)


class SchemasView(DiscoveryBase):
    def get(self, request: Request) -> Response:
        found = self.schemas()
        return self.listed(Schema, found, total=len(found), start=1)


class SchemaView(DiscoveryBase):
    def get(self, request: Request, resource_id: str) -> Response:
        return self.one(self.schemas(), resource_id)


class RootSearchView(ScimView):
    """`POST /.search` across resource types is not offered (RFC 7644 §3.4.3 lets a service
    answer 501): search `/Users/.search` or `/Groups/.search`."""

    def post(self, request: Request) -> Response:
        raise NotImplementedException(
            detail="Searching every resource type at once is not offered: search "
            "/Users/.search or /Groups/.search."
        )


def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Any other path under `/scim/`."""
    return error_response(request, 404, "No such SCIM endpoint.")

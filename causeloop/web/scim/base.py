"""The SCIM views' shared machinery: the token that names the organization, JSON in and out as
`application/scim+json`, SCIM errors, the per-token rate limit, and the parts every answer
shares (the base URL, `meta`, search parameters, list pages)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar, cast

from django.urls import reverse
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView
from scim2_models import (
    Context,
    InvalidSyntaxException,
    ListResponse,
    Meta,
    Resource,
    ResponseParameters,
    SearchRequest,
)

from causeloop.core.errors import RateLimited
from causeloop.web.parsers import GuardedJSONParser
from causeloop.web.scim.authentication import ScimTokenAuthentication
from causeloop.web.scim.errors import SCIM_MEDIA_TYPE, scim_exception_handler
from causeloop.web.throttling import limit
from directory.models import ScimToken
from directory.scim import POLICY
from organizations.models import Organization

R = TypeVar("R", bound=Resource[Any])

# The most resources one list answer carries (ServiceProviderConfig's `filter.maxResults`).
MAX_RESULTS = 100


class ScimRenderer(JSONRenderer):
    media_type = SCIM_MEDIA_TYPE
    format = "scim"


class ScimParser(GuardedJSONParser):
    """SCIM's media type, under the same size, depth and character rules as the API's JSON."""

    media_type = SCIM_MEDIA_TYPE


class ScimNegotiation(BaseContentNegotiation):
    """Every answer is `application/scim+json`, whatever the client accepts (RFC 7644 §3.1:
    older clients ask for `application/json`, and read the same document)."""

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> BaseParser | None:
        content_type = request.content_type.split(";")[0].strip().lower()
        return next((p for p in parsers if p.media_type == content_type), None)

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type


class ScimThrottle(BaseThrottle):
    """The policy's `scim` rate, counted per token. As everywhere in the API, reads (GET) are
    not counted (django-allauth's limiter leaves them out)."""

    def __init__(self) -> None:
        self.retry_after: int | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        try:
            limit(request, "scim", key=str(request.auth.pk))
        except RateLimited as refused:
            self.retry_after = refused.retry_after
            return False
        return True

    def wait(self) -> float | None:
        return self.retry_after


class ScimView(APIView):
    """A view of the SCIM service. The token names the organization: `self.organization`,
    entered for row-level security by the authentication."""

    authentication_classes = [ScimTokenAuthentication]
    permission_classes = [IsAuthenticated]
    parser_classes = [ScimParser, GuardedJSONParser]
    renderer_classes = [ScimRenderer]
    content_negotiation_class = ScimNegotiation
    schema = None  # SCIM is described by its own discovery endpoints, not the OpenAPI document

    def get_throttles(self) -> list[BaseThrottle]:
        return [ScimThrottle()]

    def get_exception_handler(self) -> Callable[..., Response | None]:
        return scim_exception_handler

    @property
    def token(self) -> ScimToken:
        return cast(ScimToken, self.request.auth)

    @property
    def organization(self) -> Organization:
        return self.token.organization

    @property
    def base_url(self) -> str:
        """The service's absolute URL, without a trailing slash: `https://…/scim/v2`."""
        return self.request.build_absolute_uri(reverse("scim-root")).rstrip("/")

    def validated(self, model: type[Any], data: Any, context: Context) -> Any:
        """`data` read as `model` (a SCIM resource or message) in the SCIM `context`, under the
        service's `POLICY`; a payload that does not fit is a ValidationError (400)."""
        return model.model_validate(data, scim_ctx=context, scim_policy=POLICY)

    def search_of(self, model: type[Resource[Any]], data: Any) -> SearchRequest[Any]:
        """A list's parameters (the query string's, or a `.search` body) as a `SearchRequest`
        bound to `model`: a filter or attribute it does not have is refused."""
        if data and not isinstance(data, dict):
            raise InvalidSyntaxException(detail="A search request is a JSON object.")
        given = data or {}
        names = ("filter", "startIndex", "count", "attributes", "excludedAttributes", "sortBy")
        known = {name: given[name] for name in (*names, "sortOrder") if name in given}
        search: SearchRequest[Any] = self.validated(
            SearchRequest[model],  # type: ignore[valid-type]
            known,
            Context.SEARCH_REQUEST,
        )
        return search

    def response_parameters(self, model: type[Resource[Any]]) -> ResponseParameters[Any]:
        """The query string's `attributes` or `excludedAttributes`."""
        query = self.request.query_params
        given = {
            name: query[name] for name in ("attributes", "excludedAttributes") if name in query
        }
        parameters: ResponseParameters[Any] = ResponseParameters[model].model_validate(given)  # type: ignore[valid-type]
        return parameters

    def meta(
        self,
        resource_type: str,
        path: str,
        *,
        created: datetime | None = None,
        last_modified: datetime | None = None,
    ) -> Meta:
        """A resource's `meta`: its type, moments and absolute location (`path` under the
        service)."""
        return Meta(
            resource_type=resource_type,
            created=created,
            last_modified=last_modified or created,
            location=f"{self.base_url}/{path}",
        )

    def resource(
        self,
        resource: Resource[Any],
        *,
        status: int = 200,
        parameters: ResponseParameters[Any] | None = None,
    ) -> Response:
        """One resource, with a `Location` header when it was just created."""
        context = (
            Context.RESOURCE_CREATION_RESPONSE if status == 201 else Context.RESOURCE_QUERY_RESPONSE
        )
        body = resource.model_dump(scim_ctx=context, response_parameters=parameters)
        headers = {}
        if status == 201 and resource.meta is not None and resource.meta.location:
            headers["Location"] = resource.meta.location
        return Response(body, status=status, headers=headers)

    def listed(
        self,
        model: type[R],
        resources: list[R],
        *,
        total: int,
        start: int,
        parameters: ResponseParameters[Any] | None = None,
    ) -> Response:
        """A `ListResponse` page: `resources` from the 1-based `start` of `total`."""
        page = ListResponse[model](  # type: ignore[valid-type]
            total_results=total,
            start_index=start,
            items_per_page=len(resources),
            resources=resources,
        )
        return Response(
            page.model_dump(scim_ctx=Context.SEARCH_RESPONSE, response_parameters=parameters)
        )


def page_bounds(search: SearchRequest[Any]) -> tuple[int, int]:
    """The 1-based first index and the number of resources a search asks for, within
    `MAX_RESULTS` (RFC 7644 §3.4.2.4: a start below 1 is 1, a negative count is 0)."""
    start = max(search.start_index or 1, 1)
    count = MAX_RESULTS if search.count is None else min(max(search.count, 0), MAX_RESULTS)
    return start, count

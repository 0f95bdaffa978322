"""How the OpenAPI document describes Causeloop: its authentication (drf-spectacular extensions,
loaded by `CauseloopConfig.ready`), the order the docs offer it in, and where an operation's
public description comes from."""

from typing import Any

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

from causeloop.web.api import documented
from causeloop.web.api.base import Text
from causeloop.web.api.conventions import CREATED_AT, WRITES

# The order of the docs' Authorize dialog: what most callers use first.
SECURITY_SCHEME_ORDER = ["bearerAuth", "apiKeyHeader", "sessionAuth", "rootKey"]


class AutoSchema(SpectacularAutoSchema):
    """What every operation declares from the code itself, so the document cannot drift from
    it: the `Idempotency-Key` header and its 409 where the handler is `@idempotent`; `If-Match`
    and 412 on the writes of a versioned resource, `ETag` on its answers; the pagination
    parameters of the page a list answers with; the 429 of a throttled operation and the
    `RateLimit-*` headers wherever a 429 can come; `Location` on a 201; `X-Request-ID` always.

    An operation's description is only the one its `extend_schema(description=…)` gives:
    drf-spectacular would fall back to the view's docstring, inherited ones included, and
    docstrings here are notes for the people who maintain the code, not for API clients.
    """

    def get_description(self) -> str:  # type: ignore[override]
        return ""

    def _map_serializer_field(self, field: Any, direction: Any, *args: Any, **kwargs: Any) -> Any:
        """Text in a request says what the server checks of it: what its kind documents
        (`Text.documented`), or else that it holds no NUL and, where it may not be blank, more
        than white space (after trimming it, as the field does)."""
        schema = super()._map_serializer_field(field, direction, *args, **kwargs)
        if direction == "request" and isinstance(field, Text):
            if field.documented:
                schema.update(field.documented)
            elif not {"pattern", "format", "enum", "$ref"} & set(schema):
                non_blank = field.trim_whitespace and not field.allow_blank
                schema["pattern"] = documented.NON_BLANK_TEXT if non_blank else documented.TEXT
            if field.allow_blank:
                # drf-spectacular makes it `oneOf: [this, {maxLength: 0}]`: "" must be in one
                # branch only.
                schema.setdefault("minLength", 1)
        return schema

    def _get_serializer_field_meta(self, field: Any, direction: Any) -> Any:
        """Not drf-spectacular's `minLength: 1` for text that may not be blank where its kind
        documents a minimum of its own."""
        meta = super()._get_serializer_field_meta(field, direction)
        if direction == "request" and isinstance(field, Text):
            for keyword in field.documented:
                meta.pop(keyword, None)
        return meta

    def _handler(self) -> Any:
        return getattr(self.view, self.method.lower(), None)

    def _is_versioned_write(self) -> bool:
        return bool(getattr(self.view, "versioned", False)) and self.method in WRITES

    def _is_throttled(self) -> bool:
        return bool(self.view.get_throttles())

    def _conventional_errors(self) -> dict[int, str]:
        """The errors the conventions add to an operation, with what they mean."""
        extra = {}
        if getattr(self._handler(), "idempotent", False):
            extra[409] = documented.IDEMPOTENCY_CONFLICT
        if self._is_versioned_write():
            extra[412] = documented.STALE_IF_MATCH
        if self._is_throttled():
            extra[429] = documented.ERROR_MEANINGS[429]
        return extra

    def _get_response_bodies(self, direction: Any = "response") -> Any:
        declared = self.get_response_serializers()
        if not isinstance(declared, dict):
            return super()._get_response_bodies(direction)
        merged = documented.with_meanings(declared, self._conventional_errors())
        return {
            str(code): self._get_response_for_code(serializer, str(code), None, direction)
            for code, serializer in merged.items()
        }

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        declared = self.get_response_serializers()
        codes: set[int] = {int(code) for code in declared} if isinstance(declared, dict) else set()
        if getattr(self._handler(), "idempotent", False):
            parameters += [documented.IDEMPOTENCY_KEY, documented.IDEMPOTENT_REPLAYED]
        if self._is_versioned_write():
            parameters.append(documented.IF_MATCH)
        if getattr(self.view, "versioned", False) and self.method in ("GET", "PUT", "PATCH"):
            parameters.append(documented.ETAG)
        paging = getattr(declared.get(200) if isinstance(declared, dict) else None, "paging", "")
        parameters += documented.PAGING_PARAMETERS.get(paging, [])
        if 201 in codes and getattr(self.view, "created_at", CREATED_AT) is not None:
            parameters.append(documented.LOCATION)
        if 429 in codes or 429 in self._conventional_errors():
            parameters += [*documented.RATE_LIMIT_HEADERS, documented.RETRY_AFTER[(429, 503)]]
        else:
            parameters.append(documented.RETRY_AFTER[(503,)])
        parameters.append(documented.REQUEST_ID)
        return parameters


def _rank(name: str) -> int:
    return SECURITY_SCHEME_ORDER.index(name) if name in SECURITY_SCHEME_ORDER else 99


def _alternatives(security: list[dict[str, list[str]]]) -> list[dict[str, list[str]]]:
    """An operation's security requirements, each scheme of `BearerScheme` an alternative of
    its own (one requirement naming both would mean "both at once"), in the docs' order."""
    split: list[dict[str, list[str]]] = []
    for requirement in security:
        if len(requirement) > 1 and set(requirement) <= {"bearerAuth", "apiKeyHeader"}:
            split.extend({name: scopes} for name, scopes in requirement.items())
        else:
            split.append(requirement)
    return sorted(split, key=lambda requirement: min(map(_rank, requirement), default=99))


def order_security_schemes(result: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook: the security schemes in `SECURITY_SCHEME_ORDER` (the bearer token
    first in the Authorize dialog, instead of alphabetically), and each operation's
    alternatives in that order."""
    schemes = result.get("components", {}).get("securitySchemes")
    if schemes:
        result["components"]["securitySchemes"] = {
            name: schemes[name] for name in sorted(schemes, key=_rank)
        }
    for item in result.get("paths", {}).values():
        for operation in item.values():
            if isinstance(operation, dict) and operation.get("security"):
                operation["security"] = _alternatives(operation["security"])
    return result


def name_the_server(result: dict[str, Any], request: Any = None, **_kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook: the document's one server (its paths start with /api/v1) is the
    address it is served from, so the docs' "Try it out" calls the deployment they are read on
    whatever its host and port; written by `manage.py spectacular`, `CAUSELOOP_BASE_URL`."""
    if request is not None:
        url = request.build_absolute_uri("/").rstrip("/")
    else:
        url = settings.CAUSELOOP_BASE_URL
    head: dict[str, Any] = {key: result[key] for key in ("openapi", "info") if key in result}
    return {**head, "servers": [{"url": url, "description": "This deployment"}], **result}


class BearerScheme(OpenApiAuthenticationExtension):
    target_class = "causeloop.web.authentication.BearerTokenAuthentication"
    name = ["bearerAuth", "apiKeyHeader"]

    def get_security_definition(self, auto_schema: Any) -> list[dict[str, Any]]:
        return [
            {
                "type": "http",
                "scheme": "bearer",
                "description": "A personal access token (`cl_pat_…`) or an organization API "
                "key (`{slug}_api_…`), as `Authorization: Bearer <token>`.",
            },
            {
                "type": "apiKey",
                "in": "header",
                "name": "X-API-Key",
                "description": "An organization API key (`{slug}_api_…`), as an alternative "
                "header. Personal access tokens are refused here: send them as a bearer token.",
            },
        ]


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "causeloop.web.authentication.SessionAuthentication"
    name = "sessionAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": "sessionid",
            "description": "The browser session; unsafe methods need the CSRF token.",
        }


class RootKeyScheme(OpenApiAuthenticationExtension):
    target_class = "causeloop.web.authentication.RootKeyAuthentication"
    name = "rootKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-Root-Key",
            "description": "The platform's root key (`CAUSELOOP_ROOT_KEY`): platform endpoints.",
        }


def declare_conventions(result: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook: an operation that takes no credentials says so (`security: []`,
    so no generator or linter falls back to a default); a `Patched*` body carries no
    defaults (a client would send them, and a PATCH changes only what it sends); a request
    body admits no field it does not name, as the endpoints refuse them; and each
    201 links to the operations on what it created (OpenAPI links, for clients and for
    schemathesis' stateful runs)."""
    paths = result.get("paths", {})
    for item in paths.values():
        for operation in item.values():
            if isinstance(operation, dict) and "security" not in operation:
                operation["security"] = []
    for name, component in result.get("components", {}).get("schemas", {}).items():
        _request_body_as_refused(name, component)
    for path, item in paths.items():
        created = item.get("post", {}).get("responses", {}).get("201")
        if created is not None:
            links = _links_from(path, paths)
            if links:
                created["links"] = links
    return result


def _request_body_as_refused(name: str, component: dict[str, Any]) -> None:
    """A request body's component as the endpoints read it: no defaults in a `Patched*` one,
    and no field it does not name (an unknown field is a 400, `InputSerializer`)."""
    if name.startswith("Patched"):
        _drop_defaults(component.get("properties", {}))
    if name.endswith("Request") and component.get("type") == "object":
        component["additionalProperties"] = False


def _drop_defaults(properties: dict[str, Any]) -> None:
    for key, field in properties.items():
        field.pop("default", None)
        # An enum's `allOf: [$ref]` was only there to carry its default beside the $ref.
        if list(field) == ["allOf"] and len(field["allOf"]) == 1:
            properties[key] = field["allOf"][0]


def _links_from(collection: str, paths: dict[str, Any]) -> dict[str, Any]:
    """The operations on `{collection}/{id}` and below, each with its path parameters: the
    new thing's `id` from the response, the rest as the creating request had them."""
    links = {}
    prefix = collection + "/{"
    for path, item in paths.items():
        if not path.startswith(prefix):
            continue
        own = path[len(prefix) :].split("}", 1)[0]
        names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
        by_id = own == "org" or own.endswith("id")  # not `{token}` nor `{code}`: secrets
        if not by_id or any(name != own and "{" + name + "}" not in collection for name in names):
            continue
        parameters = {
            name: "$response.body#/id" if name == own else f"$request.path.{name}" for name in names
        }
        for method, operation in item.items():
            if isinstance(operation, dict) and "operationId" in operation:
                links[operation["operationId"]] = {
                    "operationId": operation["operationId"],
                    "parameters": parameters,
                    "description": f"{method.upper()} what was created.",
                }
    return links

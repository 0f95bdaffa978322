"""How the OpenAPI document describes Causeloop: its authentication (drf-spectacular extensions,
loaded by `CauseloopConfig.ready`), the order the docs offer it in, and where an operation's
public description comes from."""

from typing import Any

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

# The order of the docs' Authorize dialog: what most callers use first.
SECURITY_SCHEME_ORDER = ["bearerAuth", "apiKeyHeader", "sessionAuth", "rootKey"]


class AutoSchema(SpectacularAutoSchema):
    """An operation's description is only the one its `extend_schema(description=…)` gives.

    drf-spectacular would fall back to the view's docstring, inherited ones included, and
    docstrings here are notes for the people who maintain the code, not for API clients.
    """

    def get_description(self) -> str:  # type: ignore[override]
        return ""


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
    head = {key: result[key] for key in ("openapi", "info") if key in result}
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

"""How the OpenAPI document describes Causeloop's authentication (drf-spectacular extensions,
loaded by `CauseloopConfig.ready`)."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerScheme(OpenApiAuthenticationExtension):
    target_class = "causeloop.web.authentication.BearerTokenAuthentication"
    name = ["bearerAuth", "apiKeyHeader"]

    def get_security_definition(self, auto_schema: Any) -> list[dict[str, Any]]:
        return [
            {
                "type": "http",
                "scheme": "bearer",
                "description": "A personal access token (`cl_pat_…`) or an organization API "
                "key (`{slug}_api_…`).",
            },
            {
                "type": "apiKey",
                "in": "header",
                "name": "X-API-Key",
                "description": "An organization API key, as an alternative header.",
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

"""How drf-spectacular writes the OpenAPI document (`SPECTACULAR_SETTINGS`): its info, tags,
enum names and the postprocessing hooks of `causeloop.web.api.schema`. Plain values only: the
settings import it before any app is loaded."""

from typing import Any

OPENAPI_SETTINGS: dict[str, Any] = {
    "TITLE": "Causeloop API",
    "DESCRIPTION": "The control plane of a multi-tenant SaaS: organizations, members, keys.",
    "VERSION": "1.0.0",
    # OpenAPI 3.1: a field that is an object or null is `oneOf: [{$ref}, {type: null}]`, which
    # every tool reads alike; 3.0's `nullable` beside an `allOf` has no `type` to apply to.
    "OAS_VERSION": "3.1.0",
    "LICENSE": {"name": "Proprietary"},
    "TAGS": [
        {"name": "auth", "description": "Sign up, and the personal access tokens of a person."},
        {"name": "me", "description": "The caller: who they are, their organizations, erasure."},
        {
            "name": "organizations",
            "description": "Organizations and everything in one: members, invitations, invite "
            "codes, API keys, SCIM tokens, branding, templates, domains, integrations, runs and "
            "usage, webhooks, events and the audit log; and the platform's onboarding.",
        },
        {
            "name": "invitations",
            "description": "Invitations by their token: read one, accept it, or invite into the "
            "caller's active organization.",
        },
        {"name": "invite-codes", "description": "Join an organization with an invite code."},
        {"name": "event-types", "description": "The catalogue of webhook and feed events."},
        {"name": "gdpr", "description": "An organization's data, exported as JSON."},
        {
            "name": "governance",
            "description": "Right-to-be-forgotten requests: a person erased from the platform, "
            "or from one organization by its admin.",
        },
    ],
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from our own static files (drf-spectacular-sidecar): no CDN, and the
    # content security policy stays strict.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No link per operation: Swagger UI would nest it inside the operation's button, which
    # screen readers cannot use (axe-core: nested-interactive).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "ENUM_NAME_OVERRIDES": {
        "PlanCodeEnum": "organizations.models.Plan.Code",
        "IntegrationKindEnum": "organizations.models.Integration.Kind",
        "QuotaLimitEnum": "causeloop.web.api.usage.QUOTA_LIMITS",
        "StartedByTypeEnum": "causeloop.web.api.usage.STARTED_BY_TYPES",
        "RunStatusEnum": "causeloop.web.api.usage.RUN_STATES",
        "RunFinishStatusEnum": "causeloop.web.api.usage.RUN_ENDINGS",
        "QuotaErrorCodeEnum": "causeloop.web.api.usage.QUOTA_CODES",
        "DeliveryStateEnum": "webhooks.models.WebhookDelivery.State",
        "EndpointDisabledReasonEnum": "webhooks.models.WebhookEndpoint.DisabledReason",
        "RoleEnum": "organizations.roles.Role",
        "InvitableRoleEnum": "organizations.roles.INVITABLE_ROLE_CHOICES",
        "InviteCodeStateEnum": "memberships.models.InviteCode.State",
        "ApiKeyStateEnum": "organizations.models.ApiKey.State",
        "OrganizationStatusEnum": "organizations.models.Organization.Status",
        "OrganizationKindEnum": "organizations.models.Organization.Kind",
        "TemplateKindEnum": "organizations.models.Template.Kind",
        "BillingStatusEnum": "organizations.models.Subscription.BillingStatus",
        "InvitationStateEnum": "causeloop.web.api.invitations.INVITATION_STATES",
        "InvitationDeliveryEnum": "memberships.models.Invitation.Delivery",
        "DryRunStatusEnum": "causeloop.web.api.platform.DRY_RUN_STATUSES",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "causeloop.web.api.schema.order_security_schemes",
        "causeloop.web.api.schema.declare_conventions",
        "causeloop.web.api.schema.name_the_server",
    ],
}

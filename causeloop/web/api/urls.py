"""`/api/`: the versioned REST API (no trailing slashes), its OpenAPI document and docs.

Anything else under `/api/` answers the API's JSON 404, not an HTML page.
"""

from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, URLResolver, include, path, re_path, register_converter
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from causeloop.core.errors import error_body
from causeloop.web.api import (
    accounts,
    api_keys,
    converters,
    data,
    domains,
    erasure,
    events,
    invitations,
    invite_codes,
    members,
    organizations,
    platform,
    scim_tokens,
    templates,
    usage,
    webhooks,
)


@csrf_exempt  # whatever the method, an unknown path is a 404, never a CSRF page
def api_not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    return JsonResponse(
        error_body("not_found", "No such API endpoint, or nothing by that name or ID here."),
        status=404,
    )


for _name, _converter in converters.CONVERTERS.items():
    register_converter(_converter, _name)

ORG = "organizations/<org:org>"

v1: list[URLPattern | URLResolver] = [
    path("auth/register", accounts.RegisterApi.as_view()),
    path("auth/tokens", accounts.TokensApi.as_view()),
    path("auth/tokens/<id:token_id>", accounts.TokenApi.as_view()),
    path("me", accounts.MeApi.as_view()),
    path("me/memberships", accounts.MyMembershipsApi.as_view(), name=accounts.MY_MEMBERSHIPS_URL),
    # platform
    path("organizations/dryrun", platform.DryRunApi.as_view()),
    path("organizations/onboard", platform.OnboardApi.as_view()),
    path(f"{ORG}/subscription", platform.SubscriptionApi.as_view()),
    path(f"{ORG}/suspend", platform.SuspendApi.as_view()),
    path(f"{ORG}/reinstate", platform.ReinstateApi.as_view()),
    path(f"{ORG}/purge", platform.PurgeApi.as_view()),
    # organizations
    path("organizations", organizations.OrganizationsApi.as_view()),
    path(ORG, organizations.OrganizationApi.as_view()),
    path(f"{ORG}/switch", organizations.OrganizationSwitchApi.as_view()),
    path(f"{ORG}/branding", organizations.BrandingApi.as_view()),
    path(f"{ORG}/api-keys", api_keys.ApiKeysApi.as_view()),
    path(f"{ORG}/api-keys/<id:key_id>", api_keys.ApiKeyApi.as_view()),
    path(f"{ORG}/api-keys/<id:key_id>/rotate", api_keys.ApiKeyRotateApi.as_view()),
    path(f"{ORG}/templates", templates.TemplatesApi.as_view()),
    path(f"{ORG}/templates/<id:template_id>", templates.TemplateApi.as_view()),
    path(f"{ORG}/audit-log", data.AuditLogApi.as_view()),
    # people
    path(f"{ORG}/members", members.MembersApi.as_view()),
    path(f"{ORG}/members/<id:member_id>", members.MemberApi.as_view()),
    path(f"{ORG}/transfer-ownership", members.TransferOwnershipApi.as_view()),
    path(f"{ORG}/invitations", invitations.InvitationsApi.as_view()),
    path(f"{ORG}/invitations/<id:invitation_id>", invitations.InvitationApi.as_view()),
    path(f"{ORG}/invitations/<id:invitation_id>/resend", invitations.InvitationResendApi.as_view()),
    path(f"{ORG}/invite-codes", invite_codes.InviteCodesApi.as_view()),
    path(f"{ORG}/invite-codes/<id:code_id>", invite_codes.InviteCodeApi.as_view()),
    path("invitations", invitations.ActiveOrganizationInviteApi.as_view()),
    path("invitations/<secret:token>", invitations.PublicInvitationApi.as_view()),
    path("invitations/<secret:token_or_id>/accept", invitations.InvitationAcceptApi.as_view()),
    path("invite-codes/<invite_code:code>/join", invite_codes.InviteCodeJoinApi.as_view()),
    # data
    path("gdpr/export-requests", data.ExportApi.as_view()),
    path("gdpr/export-requests/<id:export_id>", data.ExportRequestApi.as_view()),
    path("gdpr/export-requests/<id:export_id>/download", data.ExportDownloadApi.as_view()),
    path("governance/rtbf/requests", erasure.ErasureApi.as_view()),
    # usage
    path(f"{ORG}/integrations", usage.IntegrationsApi.as_view()),
    path(f"{ORG}/integrations/<id:integration_id>", usage.IntegrationApi.as_view()),
    path(f"{ORG}/runs", usage.RunsApi.as_view()),
    path(f"{ORG}/runs/<id:run_id>/finish", usage.RunFinishApi.as_view()),
    path(f"{ORG}/usage", usage.UsageApi.as_view()),
    # webhooks and events
    path(f"{ORG}/webhooks", webhooks.WebhookEndpointsApi.as_view()),
    path(f"{ORG}/webhooks/<id:endpoint_id>", webhooks.WebhookEndpointApi.as_view()),
    path(
        f"{ORG}/webhooks/<id:endpoint_id>/rotate-secret",
        webhooks.WebhookSecretRotateApi.as_view(),
    ),
    path(f"{ORG}/webhooks/<id:endpoint_id>/test", webhooks.WebhookTestApi.as_view()),
    path(f"{ORG}/webhooks/<id:endpoint_id>/deliveries", webhooks.WebhookDeliveriesApi.as_view()),
    path(
        f"{ORG}/webhooks/<id:endpoint_id>/deliveries/<id:delivery_id>/retry",
        webhooks.WebhookDeliveryRetryApi.as_view(),
    ),
    path(f"{ORG}/events", events.EventsApi.as_view()),
    path("event-types", events.EventTypesApi.as_view()),
    # verified domains
    path(f"{ORG}/domains", domains.DomainsApi.as_view()),
    path(f"{ORG}/domains/<id:domain_id>", domains.DomainApi.as_view()),
    path(f"{ORG}/domains/<id:domain_id>/verify", domains.DomainVerifyApi.as_view()),
    # directory sync
    path(f"{ORG}/scim-tokens", scim_tokens.ScimTokensApi.as_view()),
    path(f"{ORG}/scim-tokens/<id:token_id>", scim_tokens.ScimTokenApi.as_view()),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    re_path(r"^(?P<rest>[\s\S]*)$", api_not_found),
]

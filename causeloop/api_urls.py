"""`/api/`: the versioned REST API (no trailing slashes), its OpenAPI document and docs.

Anything else under `/api/` answers the API's JSON 404, not an HTML page.
"""

from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, URLResolver, include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from causeloop.errors import error_body
from memberships import api as people
from memberships import erasure_api as erasure
from onboarding import api as platform
from organizations import api as orgs


def api_not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    return JsonResponse(error_body("not_found", "No such API endpoint."), status=404)


ORG = "organizations/<str:org>"

v1: list[URLPattern | URLResolver] = [
    path("auth/register", people.RegisterApi.as_view()),
    path("auth/tokens", people.TokensApi.as_view()),
    path("auth/tokens/<str:token_id>", people.TokenApi.as_view()),
    path("me", people.MeApi.as_view()),
    # platform
    path("organizations/dryrun", platform.DryRunApi.as_view()),
    path("organizations/onboard", platform.OnboardApi.as_view()),
    path(f"{ORG}/subscription", platform.SubscriptionApi.as_view()),
    path(f"{ORG}/suspend", platform.SuspendApi.as_view()),
    path(f"{ORG}/reinstate", platform.ReinstateApi.as_view()),
    # organizations
    path("organizations", orgs.OrganizationsApi.as_view()),
    path(ORG, orgs.OrganizationApi.as_view()),
    path(f"{ORG}/switch", orgs.OrganizationSwitchApi.as_view()),
    path(f"{ORG}/branding", orgs.BrandingApi.as_view()),
    path(f"{ORG}/api-keys", orgs.ApiKeysApi.as_view()),
    path(f"{ORG}/api-keys/<str:key_id>", orgs.ApiKeyApi.as_view()),
    path(f"{ORG}/api-keys/<str:key_id>/rotate", orgs.ApiKeyRotateApi.as_view()),
    path(f"{ORG}/templates", orgs.TemplatesApi.as_view()),
    path(f"{ORG}/templates/<str:template_id>", orgs.TemplateApi.as_view()),
    path(f"{ORG}/audit-log", orgs.AuditLogApi.as_view()),
    # people
    path(f"{ORG}/members", people.MembersApi.as_view()),
    path(f"{ORG}/members/<str:member_id>", people.MemberApi.as_view()),
    path(f"{ORG}/transfer-ownership", people.TransferOwnershipApi.as_view()),
    path(f"{ORG}/invitations", people.InvitationsApi.as_view()),
    path(f"{ORG}/invitations/<str:invitation_id>", people.InvitationApi.as_view()),
    path(f"{ORG}/invitations/<str:invitation_id>/resend", people.InvitationResendApi.as_view()),
    path(f"{ORG}/invite-codes", people.InviteCodesApi.as_view()),
    path(f"{ORG}/invite-codes/<str:code_id>", people.InviteCodeApi.as_view()),
    path("invitations", people.ActiveOrganizationInviteApi.as_view()),
    path("invitations/<str:token>", people.PublicInvitationApi.as_view()),
    path("invitations/<str:token_or_id>/accept", people.InvitationAcceptApi.as_view()),
    path("invite-codes/<str:code>/join", people.InviteCodeJoinApi.as_view()),
    # data
    path("gdpr/export-requests", orgs.ExportApi.as_view()),
    path("governance/rtbf/requests", erasure.ErasureApi.as_view()),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    re_path(r"^(?P<rest>.*)$", api_not_found),
]

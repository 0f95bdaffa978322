"""The application's URLs plus allauth's own (so the login and signup throttles can be exercised
whatever the pages' URLs are) and three views that lose the database on purpose."""

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from causeloop.core.errors import NotFound
from causeloop.core.tenancy import enter_platform, enter_tenant
from causeloop.web.urls import urlpatterns as app_urlpatterns
from memberships.models import Membership
from organizations.models import ApiKey, Organization, Template


def _write_then_lose_the_database(org_id: str) -> None:
    enter_platform()
    Template.objects.create(organization_id=org_id, name="half-written")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")


@api_view(["POST"])
@permission_classes([AllowAny])
def api_write(request: Request) -> Response:
    _write_then_lose_the_database(request.data["organization"])
    return Response({"written": True}, status=201)


def page_write(request: HttpRequest) -> JsonResponse:
    _write_then_lose_the_database(request.POST["organization"])
    return JsonResponse({"written": True}, status=201)


@api_view(["GET"])
def tenant_templates(request: Request, slug: str) -> Response:
    """An organization-scoped endpoint as the API builds them: resolve the organization through
    the caller (membership or API key), enter it, then query *without* any tenant filter."""
    api_key = request.auth if isinstance(request.auth, ApiKey) else None
    if api_key is not None:
        organization = api_key.organization if api_key.organization.slug == slug else None
    else:
        membership = (
            Membership.objects.select_related("organization")
            .filter(user=request.user, organization__slug=slug)
            .first()
        )
        organization = membership.organization if membership else None
    if organization is None:
        raise NotFound("Organization not found.")
    enter_tenant(organization)
    return Response({"templates": sorted(Template.objects.values_list("name", flat=True))})


def ping(request: HttpRequest) -> JsonResponse:
    enter_platform()
    return JsonResponse({"organizations": Organization.objects.count()})


urlpatterns = [
    *app_urlpatterns,
    path("allauth-accounts/", include("allauth.urls")),
    path("fault/api-write", api_write),
    path("fault/page-write", page_write),
    path("fault/ping", ping),
    path("tenant/<slug:slug>/templates", tenant_templates),
]

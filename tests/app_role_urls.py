"""A view that forgets the tenant context, to show what requests in the test suite see."""

from django.http import HttpRequest, JsonResponse
from django.urls import path

from organizations.models import Organization


def unscoped_count(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"organizations": Organization.objects.count()})


urlpatterns = [path("unscoped/", unscoped_count)]

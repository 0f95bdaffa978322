"""Root URLs: the platform admin, accounts and pages, and the versioned API."""

from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

admin.site.site_header = "Causeloop platform"
admin.site.site_title = "Causeloop platform"
admin.site.index_title = "Operations"

urlpatterns: list[URLPattern | URLResolver] = [
    path("platform-admin/", admin.site.urls),
    path("api/", include("causeloop.api_urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

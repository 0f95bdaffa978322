"""Root URLs: the pages, accounts, the platform admin and the versioned API."""

from allauth.account.views import password_reset_from_key
from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.views.static import serve

from causeloop.web.pages import base as views
from causeloop.web.pages.accounts import SignupView
from causeloop.web.pages.invitations import InvitationPage, invitation_stylesheet
from causeloop.web.pages.switcher import OrganizationsPage, switch_organization
from causeloop.web.signin import AdminLoginForm

admin.site.site_header = "Causeloop platform"
admin.site.site_title = "Causeloop platform"
admin.site.index_title = "Operations"
# The platform admin's password guesses count with the login page's and the API's.
admin.site.login_form = AdminLoginForm

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.HomePage.as_view(), name="home"),
    path("switch/", switch_organization, name="switch-organization"),
    path("organizations/", OrganizationsPage.as_view(), name="organizations"),
    path("brand.css", views.brand_stylesheet, name="brand-css"),
    path("onboarding/", include("causeloop.web.pages.wizard_urls")),
    path("invitations/<str:token>/", InvitationPage.as_view(), name="invitation"),
    path("invitations/<str:token>/brand.css", invitation_stylesheet, name="invitation-brand-css"),
    path("admin/", include("causeloop.web.pages.admin_urls")),
    path("platform-admin/", admin.site.urls),
    path("api/", include("causeloop.web.api.urls")),
    path("scim/", include("causeloop.web.scim.urls")),
    # /signup/, /login/, /logout/, /password/reset/, /password/change/ (django-allauth)
    path("signup/", SignupView.as_view(), name="account_signup"),
    # allauth's reset link allows only base-36 user IDs; ours are TypeIDs (`usr_…`).
    re_path(
        r"^password/reset/key/(?P<uidb36>[0-9A-Za-z_]+)-(?P<key>.+)/$",
        password_reset_from_key,
        name="account_reset_password_from_key",
    ),
    path("", include("allauth.account.urls")),
]

handler403 = views.forbidden
handler404 = views.not_found
handler500 = views.server_error

if settings.SERVE_MEDIA:
    urlpatterns.insert(
        0,
        re_path(
            rf"^{settings.MEDIA_URL.strip('/')}/(?P<path>logos/[\w.-]+)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        ),
    )

"""`/admin/*`: the active organization's own administration pages (not the platform admin)."""

from django.urls import path

from causeloop.web.pages import organizations as views
from causeloop.web.pages.audit import AuditLogPage
from causeloop.web.pages.data import DataPage, ExportDownloadPage, PurgePage
from causeloop.web.pages.directory import DirectoryPage
from causeloop.web.pages.domains import DomainsPage
from causeloop.web.pages.integrations import IntegrationPage, IntegrationsPage
from causeloop.web.pages.keys import ApiKeysPage
from causeloop.web.pages.people import MembersPage
from causeloop.web.pages.plan import PlanPage
from causeloop.web.pages.templates import TemplatePage, TemplatesPage
from causeloop.web.pages.webhooks import WebhookPage, WebhooksPage

urlpatterns = [
    path("organization/", views.OrganizationSettingsPage.as_view(), name="admin-organization"),
    path("branding/", views.BrandingPage.as_view(), name="admin-branding"),
    path("templates/", TemplatesPage.as_view(), name="admin-templates"),
    path("templates/<str:template_id>/", TemplatePage.as_view(), name="admin-template"),
    path("members/", MembersPage.as_view(), name="admin-members"),
    path("api-keys/", ApiKeysPage.as_view(), name="admin-api-keys"),
    path("data/", DataPage.as_view(), name="admin-data"),
    path(
        "data/exports/<str:export_id>/download",
        ExportDownloadPage.as_view(),
        name="admin-export-download",
    ),
    path("data/purge/", PurgePage.as_view(), name="admin-purge"),
    path("plan/", PlanPage.as_view(), name="admin-plan"),
    path("audit/", AuditLogPage.as_view(), name="admin-audit"),
    path("integrations/", IntegrationsPage.as_view(), name="admin-integrations"),
    path("integrations/<str:integration_id>/", IntegrationPage.as_view(), name="admin-integration"),
    path("webhooks/", WebhooksPage.as_view(), name="admin-webhooks"),
    path("webhooks/<str:endpoint_id>/", WebhookPage.as_view(), name="admin-webhook"),
    path("domains/", DomainsPage.as_view(), name="admin-domains"),
    path("directory/", DirectoryPage.as_view(), name="admin-directory"),
]

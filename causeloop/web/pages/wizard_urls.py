"""The organization-setup wizard."""

from django.urls import path

from causeloop.web.pages import wizard as views

app_name = "onboarding"

urlpatterns = [
    path("", views.StartStep.as_view(), name="start"),
    path("organization/", views.OrganizationStep.as_view(), name="organization"),
    path("plan/", views.PlanStep.as_view(), name="plan"),
    path("success/", views.SuccessStep.as_view(), name="success"),
    path("slug-check/", views.slug_check, name="slug-check"),
]

"""The `/admin/*` pages' forms: shapes only; the services validate and decide."""

from __future__ import annotations

import zoneinfo
from typing import cast

from django import forms

from organizations.audit_text import action_choices
from organizations.models import Plan, Template

TIMEZONES = sorted(zoneinfo.available_timezones())


class OrganizationForm(forms.Form):
    name = forms.CharField(max_length=200)
    slug = forms.CharField(
        max_length=50,
        help_text="3–50 characters: lowercase letters, digits, - and _. Changing it changes "
        "the organization's address in the API.",
    )
    timezone = forms.ChoiceField(choices=[(tz, tz) for tz in TIMEZONES])


class TransferForm(forms.Form):
    prefix = "transfer"
    membership = forms.ChoiceField(label="New owner")
    confirm = forms.CharField(label="Type the organization's slug to confirm", max_length=50)

    def __init__(self, *args: object, candidates: list[tuple[str, str]], **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        cast(forms.ChoiceField, self.fields["membership"]).choices = candidates


class DeleteForm(forms.Form):
    prefix = "delete"
    confirm = forms.CharField(label="Type the organization's slug to confirm", max_length=50)


class BrandingForm(forms.Form):
    primary_color = forms.CharField(
        label="Primary colour", max_length=7, widget=forms.TextInput(attrs={"type": "color"})
    )
    secondary_color = forms.CharField(
        label="Secondary colour", max_length=7, widget=forms.TextInput(attrs={"type": "color"})
    )
    logo = forms.FileField(
        required=False,
        help_text="PNG, JPEG, GIF or WebP; at most 1 MB and 2048×2048 pixels.",
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}
        ),
    )
    remove_logo = forms.BooleanField(required=False, label="Remove the current logo")


class TemplateForm(forms.Form):
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=Template.Kind.choices)
    description = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    body = forms.CharField(
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false"}),
    )


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        max_length=200, help_text="Where the key is used, e.g. “CI” or “backend”."
    )


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        required=False,
        label="What happened",
        choices=[("", "Everything"), *action_choices()],
        error_messages={"invalid_choice": "Choose one of the listed kinds of event."},
    )
    person = forms.CharField(required=False, max_length=254, label="Person (name or email)")


class PlanChoiceForm(forms.Form):
    plan = forms.ChoiceField(
        choices=Plan.Code.choices,
        error_messages={
            "required": "Choose a plan.",
            "invalid_choice": "There is no such plan; choose one of the plans below.",
        },
    )

"""The wizard's forms."""

from __future__ import annotations

from django import forms

from organizations.models import Organization


class CreateOrganizationForm(forms.Form):
    name = forms.CharField(label="Company name", max_length=200)
    kind = forms.ChoiceField(
        label="Type", choices=Organization.Kind.choices, initial=Organization.Kind.COMPANY
    )
    slug = forms.CharField(
        label="Address (slug)",
        max_length=50,
        required=False,
        help_text="Lowercase letters, digits, - and _. Leave empty to derive it from the name.",
    )


class JoinForm(forms.Form):
    code = forms.CharField(label="Invite code", max_length=32)


class PlanForm(forms.Form):
    plan = forms.CharField(max_length=32)

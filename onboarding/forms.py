"""The wizard's forms and the platform admin's "Onboard client" form."""

from __future__ import annotations

import json
from typing import Any

from django import forms

from organizations.models import Organization, Plan

# What the name field is called for each type of organization.
NAME_LABELS: dict[str, str] = {
    Organization.Kind.COMPANY: "Company name",
    Organization.Kind.AGENCY: "Agency name",
    Organization.Kind.NONPROFIT: "Organization name",
    Organization.Kind.EDUCATION: "School or institution name",
    Organization.Kind.PERSONAL: "Workspace name",
    Organization.Kind.OTHER: "Organization name",
}


class CreateOrganizationForm(forms.Form):
    """The wizard's organization: created on the first submit, corrected on the next ones."""

    kind = forms.ChoiceField(
        label="Type",
        choices=Organization.Kind.choices,
        initial=Organization.Kind.COMPANY,
        error_messages={"invalid_choice": "Choose one of the types in the list."},
    )
    name = forms.CharField(
        label=NAME_LABELS[Organization.Kind.COMPANY],
        max_length=200,
        error_messages={
            "required": "Enter a name for your organization.",
            "max_length": "Keep the name to 200 characters or fewer.",
        },
    )
    slug = forms.CharField(
        label="Address (slug)",
        max_length=50,
        required=False,
        error_messages={"max_length": "The address (slug) needs 3–50 characters."},
        help_text="Lowercase letters, digits, - and _. Leave empty to derive it from the name.",
    )
    # One per blank form: a second submit of the same form (a double click, the back button)
    # finds the organization the first one made.
    attempt = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = self.data.get("kind") if self.is_bound else self.initial.get("kind")
        self.fields["name"].label = NAME_LABELS.get(
            kind or "", NAME_LABELS[Organization.Kind.COMPANY]
        )
        self.fields["kind"].widget.attrs["data-name-labels"] = json.dumps(
            {str(key): label for key, label in NAME_LABELS.items()}
        )


class JoinForm(forms.Form):
    code = forms.CharField(
        label="Invite code",
        max_length=32,
        error_messages={
            "required": "Enter the invite code you were given.",
            "max_length": "This invite code is not valid.",
        },
        help_text="The 8-character code a colleague shared with you.",
    )


class PlanForm(forms.Form):
    plan = forms.CharField(max_length=32)


class OnboardClientForm(forms.Form):
    """The platform admin's onboarding form; its fields carry the `OnboardRequest`'s names
    (`Face.FORM` in `onboarding.fields`)."""

    org_name = forms.CharField(label="Organization name", max_length=200)
    org_slug = forms.CharField(
        label="Slug", max_length=50, help_text="3–50 characters: a-z, 0-9, - and _."
    )
    owner_email = forms.EmailField(label="Owner email")
    owner_name = forms.CharField(label="Owner name", required=False, max_length=200)
    workspace_name = forms.CharField(label="Workspace name", required=False, max_length=200)
    plan = forms.ChoiceField(label="Plan", choices=Plan.Code.choices, initial=Plan.Code.FREE)
    timezone = forms.CharField(label="Timezone", initial="UTC", max_length=64)
    seats = forms.IntegerField(
        label="Seats", required=False, min_value=1, help_text="Leave empty for the plan's seats."
    )
    send_welcome_email = forms.BooleanField(
        label="Send the owner a welcome email",
        required=False,
        initial=True,
        help_text="With a link to choose a password; an owner who has one is told they were added.",
    )

"""The wizard's forms and the platform admin's "Onboard client" form."""

from __future__ import annotations

from django import forms

from organizations.models import Organization, Plan


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

"""The `/admin/*` pages' forms: shapes only; the services validate and decide."""

from __future__ import annotations

import re
import zoneinfo
from typing import Any, cast

from django import forms
from django.utils.html import format_html
from django.utils.safestring import SafeString

from organizations.audit_text import action_choices
from organizations.models import Integration, Plan, Template
from organizations.services.api_keys import MAX_GRACE_HOURS
from organizations.validation import COLOR_RE

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


HEX_DIGITS = re.compile(r"[0-9a-fA-F]{6}")


class ColorInput(forms.TextInput):
    """A hex text field (the keyboard's way to set a colour) with a colour picker beside it.
    branding.js keeps the two in step; without JavaScript both are sent, and the one the
    person changed from the saved colour wins (the typed one when both were)."""

    def __init__(self, *, picker_label: str) -> None:
        super().__init__(attrs={"autocomplete": "off", "spellcheck": "false", "size": "9"})
        self.picker_label = picker_label
        self.saved = ""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        text = super().render(name, value, attrs, renderer)
        shown = str(value or "").strip().lower()
        picker = format_html(
            '<input type="color" name="{name}_picker" id="{id}_picker" value="{value}" '
            'aria-label="{label}" class="color-input__picker" data-color-picker>',
            name=name,
            id=(attrs or {}).get("id", f"id_{name}"),
            value=shown if COLOR_RE.fullmatch(shown) else (self.saved or "#000000"),
            label=self.picker_label,
        )
        return format_html('<span class="color-input">{}{}</span>', picker, text)

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        typed = str(data.get(name) or "").strip()
        picked = str(data.get(f"{name}_picker") or "").strip().lower()
        if picked and picked != self.saved and typed.lower() in ("", self.saved):
            return picked
        return typed


class ColorField(forms.CharField):
    """A colour typed as hex; `0ea5e9` gets its `#`. The service validates the value."""

    def __init__(self, *, label: str) -> None:
        super().__init__(
            label=label,
            max_length=7,
            help_text="A hex value such as #0ea5e9, or pick one.",
            error_messages={
                "required": "Enter a colour as a hex value such as #0ea5e9.",
                "max_length": "Colour must be a hex value like #1a2b3c.",
            },
            widget=ColorInput(picker_label=f"Colour picker: {label.split()[0].lower()}"),
        )

    def to_python(self, value: Any) -> str:
        text = str(value or "").strip()
        return f"#{text}" if HEX_DIGITS.fullmatch(text) else text


class BrandingForm(forms.Form):
    primary_color = ColorField(label="Primary colour")
    secondary_color = ColorField(label="Secondary colour")
    logo = forms.FileField(
        required=False,
        help_text="PNG, JPEG, GIF or WebP; at most 1 MB and 2048×2048 pixels.",
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}
        ),
    )
    remove_logo = forms.BooleanField(required=False, label="Remove the current logo")

    def __init__(self, *args: Any, saved: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("primary_color", "secondary_color"):
            cast(ColorInput, self.fields[name].widget).saved = saved[name]


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


GRACE_MESSAGE = f"Choose when the old key stops working: within {MAX_GRACE_HOURS} hours."
# When the old key stops working after a rotation, as the keys page offers it (in hours; the
# API takes any whole number up to a week).
GRACE_CHOICES = [
    (0, "Immediately"),
    (1, "In 1 hour"),
    (24, "In 24 hours"),
    (72, "In 3 days"),
    (168, "In 7 days"),
]


class RotateKeyForm(forms.Form):
    """A rotation's grace period: a whole number of hours up to a week (none: the old key
    stops at once)."""

    grace_period_hours = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_GRACE_HOURS,
        error_messages={
            "invalid": GRACE_MESSAGE,
            "min_value": GRACE_MESSAGE,
            "max_value": GRACE_MESSAGE,
        },
    )


INTEGRATION_NAME_HELP = "How your team knows it, e.g. “OpenAI production”."
CREDENTIAL_HELP = (
    "The provider's API key or secret: stored encrypted, never shown again (only its last four "
    "characters are)."
)
# After a form error the page sends the credential field back empty: it never echoes a secret.
CREDENTIAL_NOT_KEPT = "For safety the credential was not kept: enter it again."


def _credential_field(label: str = "Credential") -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,  # the service trims and checks it
        help_text=CREDENTIAL_HELP,
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class _HoldsCredential(forms.Form):
    def forget_credential(self) -> None:
        """Say, next to the emptied field, that a credential typed before an error is gone."""
        if self.data.get("credential"):
            self.fields["credential"].help_text = CREDENTIAL_NOT_KEPT
            self["credential"].help_text = CREDENTIAL_NOT_KEPT  # the bound field copied it


class IntegrationForm(_HoldsCredential):
    name = forms.CharField(max_length=200, help_text=INTEGRATION_NAME_HELP)
    kind = forms.ChoiceField(
        label="Provider",
        choices=Integration.Kind.choices,
        error_messages={"invalid_choice": "Choose one of the listed providers."},
    )
    credential = _credential_field()


class IntegrationNameForm(forms.Form):
    name = forms.CharField(max_length=200, help_text=INTEGRATION_NAME_HELP)


class CredentialForm(_HoldsCredential):
    credential = _credential_field("New credential")


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

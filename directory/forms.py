"""The directory page's form."""

from django import forms


class ScimTokenForm(forms.Form):
    name = forms.CharField(
        max_length=200, help_text="Whose token it is, e.g. “Okta” or “Microsoft Entra ID”."
    )

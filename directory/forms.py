"""Forms of the domains and directory pages: shapes only; the services decide."""

from __future__ import annotations

from django import forms

from directory.models import Domain

POLICY_CHOICES = [
    (Domain.Policy.SUGGEST.value, "Suggest joining: offered in the sign-up wizard"),
    (Domain.Policy.AUTO_JOIN.value, "Join automatically: as members, once their email is verified"),
]


class DomainForm(forms.Form):
    domain = forms.CharField(
        max_length=300,
        label="Domain",
        help_text="The part after the @ of your colleagues' addresses, such as acme.com.",
    )
    policy = forms.ChoiceField(
        choices=POLICY_CHOICES,
        initial=Domain.Policy.SUGGEST.value,
        label="People with an address on it",
        help_text="It applies once the domain is verified; you can change it later.",
    )


class PolicyForm(forms.Form):
    # The short names: the select sits in each domain's row.
    policy = forms.ChoiceField(choices=Domain.Policy.choices)


class ScimTokenForm(forms.Form):
    name = forms.CharField(
        max_length=200, help_text="Whose token it is, e.g. “Okta” or “Microsoft Entra ID”."
    )

"""Forms of the people pages and of sign-up: shapes only; the services decide."""

from __future__ import annotations

from typing import Any

from allauth.account.forms import ChangePasswordForm as AllauthChangePasswordForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.http import HttpRequest

from memberships.services.invitations import invited_email
from memberships.services.tokens import personal_tokens_revoke_all
from organizations.roles import INVITABLE_ROLES, Role

INVITATION_SESSION_KEY = "causeloop.invitation_token"


class InviteForm(forms.Form):
    email = forms.EmailField(max_length=254)
    role = forms.ChoiceField(choices=[(role.value, role.label) for role in INVITABLE_ROLES])


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class SearchInput(forms.TextInput):
    input_type = "search"


class MemberFilterForm(forms.Form):
    """The members page's search: part of a name or an email, and a role. Its IDs are its own:
    the invitation form on the same page has an email and a role too."""

    q = forms.CharField(
        required=False, max_length=254, label="Name or email contains", widget=SearchInput
    )
    role = forms.ChoiceField(
        required=False,
        label="Filter by role",
        choices=[("", "Every role"), *Role.choices],
        error_messages={"invalid_choice": "Choose one of the listed roles."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "filter-%s")
        super().__init__(*args, **kwargs)


class InviteCodeForm(forms.Form):
    """A new invite code and its rules, offering the roles up to `up_to` (the creator's own;
    the service checks them all). The fields' IDs are the form's own: the invitation form
    beside it has a role too."""

    role = forms.ChoiceField(label="Joins as", initial=Role.MEMBER.value)
    max_uses = forms.IntegerField(
        label="How many people may join",
        required=False,
        widget=forms.NumberInput(attrs={"min": 1}),
        help_text="Leave empty for no cap.",
    )
    email_domain = forms.CharField(
        label="Only addresses at",
        required=False,
        max_length=253,
        help_text="A domain such as acme.com; leave empty for any address.",
    )
    expires_in_days = forms.IntegerField(
        label="Valid for (days)", min_value=1, max_value=90, initial=7
    )

    def __init__(self, *args: Any, up_to: Role, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "code-%s")
        super().__init__(*args, **kwargs)
        role = self.fields["role"]
        assert isinstance(role, forms.ChoiceField)
        role.choices = [(r.value, r.label) for r in INVITABLE_ROLES if r <= up_to]


class OrganizationSearchForm(forms.Form):
    """The switcher's search among the person's own organizations."""

    q = forms.CharField(
        required=False, max_length=200, label="Name or slug contains", widget=SearchInput
    )


class SignupForm(AllauthSignupForm):
    """allauth's sign-up with a display name; arriving from an invitation, the email is the
    invited one, filled in and fixed."""

    name = forms.CharField(max_length=200, label="Your name", required=False)

    def __init__(self, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
        self.request = request
        super().__init__(*args, **kwargs)
        self.order_fields(["name", "email"])
        self.fields["email"].label = "Work email"
        for field in self.fields.values():
            field.widget.attrs.pop("placeholder", None)
        self.invited_email = (
            invited_email(request.session[INVITATION_SESSION_KEY])
            if request is not None and INVITATION_SESSION_KEY in request.session
            else None
        )
        if self.invited_email:
            email = self.fields["email"]
            email.initial = self.invited_email
            email.widget.attrs["readonly"] = True
            email.help_text = "The invitation is for this address."

    def clean_email(self) -> str:
        email = super().clean_email()
        if self.invited_email and email.lower() != self.invited_email.lower():
            raise forms.ValidationError(
                f"This invitation is for {self.invited_email}; sign up with that address."
            )
        return email

    def save(self, request: HttpRequest) -> Any:
        user = super().save(request)
        user.name = self.cleaned_data.get("name", "").strip()
        user.save(update_fields=["name"])
        return user


class ChangePasswordForm(AllauthChangePasswordForm):
    """allauth's password change, offering to revoke the personal tokens too (every other
    browser is signed out by the change itself)."""

    revoke_tokens = forms.BooleanField(
        required=False,
        label="Also revoke my personal access tokens",
        help_text="Changing the password signs you out in every other browser. Tick this to "
        "stop every API token you created as well.",
    )

    def save(self) -> None:
        super().save()
        if self.cleaned_data.get("revoke_tokens"):
            assert self.user is not None
            personal_tokens_revoke_all(user=self.user, reason="password_change")

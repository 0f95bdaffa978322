"""Signing in by password under the one rate-limit policy (`causeloop.core.ratelimits`): allauth's
pages, through the account adapter, and the platform admin's login, through its form."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import get_adapter
from django.contrib.admin.forms import AdminAuthenticationForm
from django.http import HttpRequest

from causeloop.core.ratelimits import client_address, login_key
from causeloop.web.account_mail import MailingAccountAdapter
from memberships.signals import was_welcomed


class AccountAdapter(MailingAccountAdapter):
    """allauth with our client address, one password-guess counter per account, and its mail
    sent like ours (`causeloop.web.account_mail`)."""

    def get_client_ip(self, request: HttpRequest) -> str:
        return client_address(request) or "unknown"

    def add_message(self, request: HttpRequest, level: int, *args: Any, **kwargs: Any) -> None:
        # A sign-up from an invitation says "Welcome to …" already: one message, not two.
        template = kwargs.get("message_template", args[0] if args else None)
        if template == "account/messages/logged_in.txt" and was_welcomed(request):
            return
        super().add_message(request, level, *args, **kwargs)

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        # allauth's own key adds the request's host: one account would have one allowance per
        # host name the site answers to, and the API's guesses would count apart.
        return login_key(str(credentials.get("email") or credentials.get("username") or ""))


class AdminLoginForm(AdminAuthenticationForm):
    """The platform admin's sign-in, spending the same password guesses as the login page."""

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            # allauth's adapter counts the guess, gives it back if the password is right, and
            # refuses ("Too many failed login attempts") once the account or address has none.
            self.user_cache = get_adapter(self.request).authenticate(
                self.request, email=username, password=password
            )
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data

"""Account pages beyond django-allauth's own: sign-up that knows about invitations."""

from __future__ import annotations

from typing import Any

from allauth.account.views import SignupView as AllauthSignupView


class SignupView(AllauthSignupView):
    """allauth's sign-up, with the request handed to the form (for an invitation's email)."""

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "request": self.request}

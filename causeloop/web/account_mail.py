"""django-allauth's email (address confirmation, password reset, "no such account", "account
already exists") sent like all of ours: queued for the background (a slow or dead mail server
never slows or fails the page), links on `CAUSELOOP_BASE_URL` rather than on whatever Host the
request named, the product's name in the subject and the greeting, and an HTML part."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.template.loader import render_to_string

from memberships.mail import PRODUCT_NAME, Email, email_context
from memberships.tasks import queue_email


@dataclass(frozen=True)
class ProductSite:
    """What allauth's templates call `current_site`: the product, not the request's host."""

    name: str
    domain: str


def on_base_url(url: str) -> str:
    """`url`'s path, query and fragment on `CAUSELOOP_BASE_URL`."""
    parts = urlsplit(url)
    path = urlunsplit(("", "", parts.path, parts.query, parts.fragment))
    return settings.CAUSELOOP_BASE_URL + path


class MailingAccountAdapter(DefaultAccountAdapter):
    """allauth's mail through `memberships.tasks.queue_email`."""

    def format_email_subject(self, subject: str) -> str:
        return subject if PRODUCT_NAME in subject else f"{PRODUCT_NAME}: {subject}"

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        site = ProductSite(name=PRODUCT_NAME, domain=urlsplit(settings.CAUSELOOP_BASE_URL).netloc)
        ctx = email_context(request=self.request, email=email, current_site=site)
        for key, value in context.items():
            # Every link allauth puts in a message (`password_reset_url`, `activate_url`,
            # `signup_url`…) was built from the request's Host header.
            is_link = key.endswith("_url") and isinstance(value, str) and "://" in value
            ctx[key] = on_base_url(value) if is_link else value
        message = self.render_mail(template_prefix, email, ctx)
        subject, text = str(message.subject), str(message.body)
        alternatives = getattr(message, "alternatives", ())
        html = next((content for content, kind in alternatives if kind == "text/html"), None)
        if html is None:
            # A message we wrote no HTML for: its text in the common layout.
            context = {**ctx, "subject": subject, "text": text}
            html = render_to_string("emails/text.html", context)
        queue_email(Email(to=email, subject=subject, text=text, html=str(html)))

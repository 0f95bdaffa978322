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
    return settings.CAUSELOOP_BASE_URL + urlunsplit(("", "", parts.path, parts.query, parts.fragment))


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
        html = next(
            (content for content, mimetype in getattr(message, "alternatives", ()) if mimetype == "text/html"),
            None,
        )
        text = str(message.body)
        if html is None:
            # A message we wrote no HTML for: its text in the common layout.
            html = render_to_string("emails/text.html", {**ctx, "subject": message.subject, "text": text})
        queue_email(Email(to=email, subject=str(message.subject), text=text, html=html))

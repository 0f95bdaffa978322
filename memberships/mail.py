"""Composing email: every message has a plain-text part and an HTML part, and every link in it
starts with `CAUSELOOP_BASE_URL`. Sending happens in the background (`memberships.tasks`)."""

from __future__ import annotations

import email.policy
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage as MimeMessage
from email.message import Message
from email.policy import Policy
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

PRODUCT_NAME = "Causeloop"

# Lines up to the SMTP limit stay whole: a long link printed by the console backend (or written
# by the file backend) is not cut by quoted-printable soft line breaks, and a body that is plain
# ASCII is sent as it is. The SMTP backend passes its own policy and is not affected.
READABLE_POLICY = email.policy.default.clone(max_line_length=998)


@dataclass(frozen=True)
class Email:
    """A message ready to send: what travels (sealed) through the task queue."""

    to: str
    subject: str
    text: str
    html: str

    def message(self) -> EmailMultiAlternatives:
        """The message with its text and HTML parts, from `DEFAULT_FROM_EMAIL`."""
        message = ReadableEmailMessage(
            subject=self.subject,
            body=self.text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[self.to],
        )
        message.attach_alternative(self.html, "text/html")
        return message


class ReadableEmailMessage(EmailMultiAlternatives):
    """Django's message, serialised without quoted-printable where no transport asks for it."""

    def message(self, *, policy: Policy[Message[str, str]] | None = None) -> MimeMessage:
        return super().message(policy=policy or READABLE_POLICY)


def email_context(**context: Any) -> dict[str, Any]:
    """What every email template may use: the product's name and the one base URL."""
    return {"product_name": PRODUCT_NAME, "base_url": settings.CAUSELOOP_BASE_URL, **context}


def render_email(template: str, *, to: str, subject: str, context: dict[str, Any]) -> Email:
    """`templates/emails/<template>.txt` and `.html` rendered for `to`."""
    context = email_context(subject=subject, **context)
    return Email(
        to=to,
        subject=subject,
        text=render_to_string(f"emails/{template}.txt", context).strip() + "\n",
        html=render_to_string(f"emails/{template}.html", context),
    )


def describe_failure(error: BaseException) -> str:
    """Why a message did not go out, in a person's words (shown on the members page; the
    worker's log keeps the technical detail)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "the mail server refused the address"
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return "the mail server closed the connection"
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return "the mail server did not accept our sign-in"
    if isinstance(error, smtplib.SMTPException):
        return "the mail server refused the message"
    if isinstance(error, TimeoutError):
        return "the mail server did not answer in time"
    if isinstance(error, OSError):
        return "the mail server could not be reached"
    return "the message could not be sent"

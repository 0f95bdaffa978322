"""Input rules shared by every interface: slugs, names, timezones, colours, emails.

Each function returns the cleaned value or raises `ValidationFailed` naming the field.
"""

import re
import unicodedata
import zoneinfo
from functools import cache

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.text import slugify

from causeloop.core.errors import ValidationFailed

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9_-]{1,48})[a-z0-9]$")
RESERVED_SLUGS = frozenset(
    {
        "admin",
        "api",
        "app",
        "assets",
        "auth",
        "billing",
        "dashboard",
        "docs",
        "help",
        "invitations",
        "invite",
        "login",
        "logout",
        "media",
        "new",
        "onboarding",
        "platform",
        "platform-admin",
        "root",
        "settings",
        "signup",
        "static",
        "status",
        "support",
        "system",
        "www",
        "causeloop",
        "account",
        "accounts",
        "me",
        "organizations",
        "null",
        "undefined",
    }
)
COLOR_RE = re.compile(r"^#[0-9a-f]{6}$")


def _has_control_characters(value: str) -> bool:
    if value.isprintable():  # no character of category C* at all: the common case, at C speed
        return False
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") for ch in value)


def clean_slug(value: object, *, field: str = "slug") -> str:
    """Lower-cased and checked against the slug rules and the reserved words."""
    if not isinstance(value, str):
        raise ValidationFailed("Slug must be text.", fields={field: ["Must be text."]})
    slug = value.strip().lower()
    if not 3 <= len(slug) <= 50:
        message = "The address (slug) needs 3–50 characters."
        raise ValidationFailed(message, fields={field: [message]})
    if not SLUG_RE.match(slug):
        message = (
            "Use only lowercase letters, digits, - and _ in the address (slug), with a letter "
            "or digit first and last."
        )
        raise ValidationFailed(message, fields={field: [message]})
    if slug in RESERVED_SLUGS:
        message = f'"{slug}" is reserved; choose another slug.'
        raise ValidationFailed(message, code="slug_reserved", fields={field: [message]})
    return slug


def slug_base_from_name(name: str) -> str:
    """A slug-shaped string derived from a display name (may still need uniqueness)."""
    base = slugify(name)[:46].strip("-_") or "org"
    if len(base) < 3:
        base = f"{base}-org"
    if base in RESERVED_SLUGS:
        base = f"{base}-org"
    return base


def clean_name(value: object, *, field: str = "name", label: str = "Name") -> str:
    """Trimmed, 1–200 characters, no control characters."""
    if not isinstance(value, str):
        raise ValidationFailed(f"{label} must be text.", fields={field: ["Must be text."]})
    name = value.strip()
    if not name:
        raise ValidationFailed(f"{label} is required.", fields={field: ["This field is required."]})
    if len(name) > 200:
        message = f"{label} must be at most 200 characters."
        raise ValidationFailed(message, fields={field: [message]})
    if _has_control_characters(name):
        message = f"{label} must not contain control characters."
        raise ValidationFailed(message, fields={field: [message]})
    return name


def clean_optional_text(
    value: object, *, field: str, max_length: int, label: str, multiline: bool = False
) -> str:
    """Trimmed, at most `max_length` characters, no control characters (line breaks and tabs
    only where `multiline`)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationFailed(f"{label} must be text.", fields={field: ["Must be text."]})
    text = value.strip()
    if len(text) > max_length:
        message = f"{label} must be at most {max_length} characters."
        raise ValidationFailed(message, fields={field: [message]})
    if has_control_characters(text, multiline=multiline):
        message = f"{label} must not contain control characters."
        raise ValidationFailed(message, fields={field: [message]})
    return text


_LINE_BREAKS = str.maketrans("", "", "\n\r\t")


def has_control_characters(text: str, *, multiline: bool = False) -> bool:
    """Control characters anywhere (line breaks and tabs allowed where `multiline`)."""
    return _has_control_characters(text.translate(_LINE_BREAKS) if multiline else text)


@cache
def _available_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def clean_timezone(value: object, *, field: str = "timezone") -> str:
    """An IANA timezone name such as `America/New_York`."""
    if not isinstance(value, str) or value.strip() not in _available_timezones():
        message = f'"{value}" is not a known IANA timezone (for example "America/New_York").'
        raise ValidationFailed(message, code="invalid_timezone", fields={field: [message]})
    return value.strip()


def clean_color(value: object, *, field: str) -> str:
    """A hex colour `#rrggbb`, lower-cased."""
    color = value.strip().lower() if isinstance(value, str) else ""
    if not COLOR_RE.match(color):
        message = "Colour must be a hex value like #1a2b3c."
        raise ValidationFailed(message, code="invalid_color", fields={field: [message]})
    return color


def _is_valid_email(email: str) -> bool:
    if not email or len(email) > 254 or _has_control_characters(email):
        return False
    try:
        validate_email(email)
    except ValidationError:
        return False
    return True


def clean_email(value: object, *, field: str = "email") -> str:
    """A syntactically valid email, trimmed, domain lower-cased."""
    email = value.strip() if isinstance(value, str) else ""
    if not _is_valid_email(email):
        message = f'"{str(value)[:100]}" is not a valid email address.'
        raise ValidationFailed(message, code="invalid_email", fields={field: [message]})
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def clean_seats(value: object, *, field: str = "seats") -> int:
    """A whole number of seats, 1–100,000."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValidationFailed(
            "Seats must be a whole number.", fields={field: ["Must be a whole number."]}
        )
    try:
        seats = int(value)
    except ValueError:
        raise ValidationFailed(
            "Seats must be a whole number.", fields={field: ["Must be a whole number."]}
        ) from None
    if not 1 <= seats <= 100_000:
        message = "Seats must be between 1 and 100000."
        raise ValidationFailed(message, fields={field: [message]})
    return seats


def clean_whole(value: object, *, field: str, label: str, low: int, high: int) -> int:
    """A whole number from `low` to `high` (an operator's option: days to keep, a batch size);
    a bool is not one."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        message = f"{label} must be a whole number from {low:,} to {high:,}."
        raise ValidationFailed(message, fields={field: [message]})
    return value


_LABEL_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def clean_domain(value: object, *, field: str = "domain") -> str:
    """An internet domain name as stored: lower case, international names in their ASCII
    (punycode) form, no trailing dot; at least two labels, a TLD that is not a number (so no IP
    address), 253 characters at most. "@acme.com" and "Acme.COM." both give "acme.com"."""
    text = value.strip().lstrip("@").rstrip(".").lower() if isinstance(value, str) else ""
    message = f'"{str(value)[:100]}" is not a domain name such as acme.com.'
    refused = ValidationFailed(message, code="invalid_domain", fields={field: [message]})
    if not text or len(text) > 253 or has_control_characters(text):
        raise refused
    try:
        ascii_name = text.encode("idna").decode("ascii")
    except UnicodeError:
        raise refused from None
    labels = ascii_name.split(".")
    if (
        len(ascii_name) > 253
        or len(labels) < 2
        or not all(_LABEL_RE.match(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise refused
    return ascii_name


def email_domain(email: str) -> str:
    """The domain of an address as `clean_domain` stores one: lower case, an international
    name in its ASCII (punycode) form ("" when there is none)."""
    domain = email.rpartition("@")[2].strip().rstrip(".").lower()
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:  # no domain name: it matches none
        return domain

"""Kinds of text a request body holds, each checked by a service and described in the OpenAPI
document as far as a JSON schema can say it (`Text.documented`): a client, a linter or a fuzzer
then knows what the server accepts."""

from __future__ import annotations

from typing import Any

from causeloop.web.api.base import Text
from organizations.services.integrations import MAX_CREDENTIAL_LENGTH

# Any character but C0 and C1 controls (`clean_name` also refuses Unicode format and private-use
# characters, which a portable pattern cannot list); `_VISIBLE`, one that is not white space.
_NOT_CONTROL = r"[^\x00-\x1f\x7f-\x9f]"
_VISIBLE = r"[^\x00-\x1f\x7f-\x9f\s]"
NAME_PATTERN = rf"^{_NOT_CONTROL}*{_VISIBLE}{_NOT_CONTROL}*$"


class Name(Text):
    """A display name (`clean_name`): trimmed, 1–200 characters, no control characters; or,
    `allow_blank`, one that may be left empty (`clean_optional_text`)."""

    documented = {"pattern": NAME_PATTERN}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=200, **kwargs)
        if self.allow_blank:
            self.documented = {"pattern": f"^{_NOT_CONTROL}*$"}


class Credential(Text):
    """An integration's secret (`clean_credential`): 8 characters or more once trimmed, no
    control characters; kept encrypted, never shown again."""

    documented = {
        "minLength": 8,
        "pattern": rf"^ *{_VISIBLE}{_NOT_CONTROL}{{6,}}{_VISIBLE} *$",
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "The secret: kept encrypted, never shown again.")
        super().__init__(max_length=MAX_CREDENTIAL_LENGTH, trim_whitespace=False, **kwargs)


_SLUG = r"[A-Za-z0-9][A-Za-z0-9_-]{1,48}[A-Za-z0-9]"


class Slug(Text):
    """An organization's address (`clean_slug`): 3–50 letters, digits, `-` and `_`, a letter or
    digit first and last, lower-cased; `allow_blank`, empty for one made from the name. The
    reserved words are refused too (400 `slug_reserved`), which the pattern does not list."""

    documented = {"pattern": rf"^\s*{_SLUG}\s*$"}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=50, **kwargs)
        if self.allow_blank:
            self.documented = {"pattern": rf"^\s*({_SLUG})?\s*$"}


class EmailText(Text):
    """An email address (`clean_email`)."""

    documented = {"format": "email"}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=254, **kwargs)


class NewPassword(Text):
    """A password being chosen: Django's validators judge it (AUTH_PASSWORD_VALIDATORS, one 400
    `weak_password` naming every reason); the document says what a schema can of them."""

    documented = {
        "format": "password",
        "minLength": 8,  # MinimumLengthValidator's
        "pattern": r"^[^\x00]*[^\x00\d][^\x00]*$",  # not only digits
        "description": "At least 8 characters, not only digits, not a common password and "
        "not too like the email address or name (a 400 `weak_password` says which).",
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=4096, trim_whitespace=False, **kwargs)


class HexColor(Text):
    """A colour as `#rrggbb` (`clean_color`)."""

    documented = {"pattern": "^#[0-9a-fA-F]{6}$", "examples": ["#1a2b3c"]}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=7, **kwargs)


class TimezoneName(Text):
    """An IANA timezone name, which the services check (`clean_timezone`). The document gives
    its shape, not the list: six hundred names make an enum no client generator takes (`GMT+0`
    and `GMT-0` share an identifier)."""

    documented = {
        "pattern": "^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$",
        "description": "An IANA timezone name, e.g. `Europe/Paris` (an unknown one is a 400 "
        "naming this field).",
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=64, **kwargs)

"""What each kind of name in an API path looks like (Django path converters). A path whose
name cannot be one is the API's JSON 404 without reaching a view, and the OpenAPI document
gives each path parameter its converter's pattern (drf-spectacular reads a registered
converter's `regex`), so a generated client, a linter or a fuzzer knows the shape too."""


class _Converter:
    regex = ""

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class PublicId(_Converter):
    """A TypeID (`causeloop.core.ids`): a prefix, `_`, then 26 lower-case Crockford base32
    characters, the first at most 7."""

    regex = "[a-z]{2,4}_[0-7][0-9a-hjkmnp-tv-z]{25}"


class OrganizationRef(_Converter):
    """An organization's slug (`organizations.validation.SLUG_RE`, any case) or its ID."""

    regex = "[A-Za-z0-9_-]{1,64}"


class Secret(_Converter):
    """A URL-safe secret (an invitation's token, `causeloop.core.crypto.random_secret`), or
    the ID that may stand in its place."""

    regex = "[A-Za-z0-9_-]{1,128}"


class InviteCode(_Converter):
    """An invite code as people type it: letters and digits, dashes allowed, any case
    (`memberships.models.InviteCode.normalize`)."""

    regex = "[A-Za-z0-9-]{1,32}"


# By the name a path gives them (`<id:template_id>`), registered by `causeloop.web.api.urls`.
CONVERTERS = {"id": PublicId, "org": OrganizationRef, "secret": Secret, "invite_code": InviteCode}

"""The OpenAPI document's shared parts: the schema of a page, the error shape and what each
status means, and the headers and parameters the conventions add (`causeloop.web.api.schema`'s
AutoSchema declares them on each operation from the code itself)."""

from __future__ import annotations

from typing import Any, Literal

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from causeloop.core.keyset import CURSOR_PATTERN
from causeloop.web.idempotency import HEADER as IDEMPOTENCY_HEADER
from causeloop.web.idempotency import KEY_PATTERN as IDEMPOTENCY_KEY_PATTERN
from causeloop.web.input_guard import CONTROL_CHARACTERS
from causeloop.web.pagination import BEFORE, CURSOR, LAST_PAGE, PageNumberPagination

HEADER: Literal["header"] = "header"


def _page_schema(
    kind: str, item: type[serializers.Serializer], older: str, newer: str, **extra: Any
) -> type[serializers.Serializer]:
    """A page of `item`s: its `next` and `previous` links, `results`, and `extra` fields;
    `paging` tells the AutoSchema which query parameters the list takes."""
    name = item.__name__.removesuffix("Serializer")
    prefix = {"page": "Paginated", "cursor": "Cursor"}[kind]
    return type(
        f"{prefix}{name}ListSerializer",
        (serializers.Serializer,),
        {
            "paging": kind,
            **extra,
            "next": serializers.URLField(allow_null=True, help_text=f"{older}, if any."),
            "previous": serializers.URLField(allow_null=True, help_text=f"{newer}, if any."),
            "results": item(many=True),
        },
    )


def page_of(item: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The schema of one page of `item`s, as `paginated` renders it (`?page=`)."""
    count = serializers.IntegerField(help_text="How many there are in all.")
    return _page_schema("page", item, "The next page", "The previous page", count=count)


def cursor_page_of(item: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The schema of one page of `item`s, as `cursor_paginated` renders it (`?cursor=`)."""
    return _page_schema("cursor", item, "The page of older ones", "The page of newer ones")


def page_size_parameter(most: int = PageNumberPagination.max_page_size, noun: str = "Rows") -> Any:
    """`?page_size=`: how many per page, from 1 to `most` (anything else is a 400)."""
    return OpenApiParameter(
        PageNumberPagination.page_size_query_param,
        {"type": "integer", "minimum": 1, "maximum": most},
        description=f"{noun} per page: {PageNumberPagination.page_size} unless asked, at most "
        f"{most}.",
    )


_PAGE_SIZE = page_size_parameter()
_CURSOR = {"type": "string", "pattern": f"^{CURSOR_PATTERN}$"}
CURSOR_PARAMETERS = [
    OpenApiParameter(
        CURSOR, _CURSOR, description="The page after this cursor (follow the `next` link)."
    ),
    OpenApiParameter(
        BEFORE, _CURSOR, description="The page before this cursor (follow the `previous` link)."
    ),
    _PAGE_SIZE,
]
# The query parameters of a list, by how it pages (`page_of`, `cursor_page_of`).
PAGING_PARAMETERS = {
    "page": [
        OpenApiParameter(
            "page",
            {"type": "integer", "minimum": 1, "maximum": LAST_PAGE},
            description="The page, from 1.",
        ),
        _PAGE_SIZE,
    ],
    "cursor": CURSOR_PARAMETERS,
}


# What the server refuses in text (`causeloop.web.input_guard`, `causeloop.core.json_input`), as
# patterns: a query string or path holds no control character; JSON text no NUL, and text that
# must not be blank holds something besides white space.
QUERY_TEXT = f"^[^{CONTROL_CHARACTERS}]*$"
TEXT = r"^[^\x00]*$"
NON_BLANK_TEXT = r"^[^\x00]*[^\x00\s][^\x00]*$"


def query_text(name: str, description: str) -> OpenApiParameter:
    """A free-text query parameter."""
    return OpenApiParameter(
        name, {"type": "string", "pattern": QUERY_TEXT}, description=description
    )


IDEMPOTENCY_KEY = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    {"type": "string", "minLength": 1, "maxLength": 255, "pattern": f"^{IDEMPOTENCY_KEY_PATTERN}$"},
    HEADER,
    description="Any unique string (a UUID): retrying with the same key and body within 24 "
    "hours replays the first answer instead of doing it again.",
)
IDEMPOTENT_REPLAYED = OpenApiParameter(
    "Idempotent-Replayed",
    str,
    HEADER,
    response=[200, 201, 202],
    enum=["true"],
    description="`true` when this answer is the replay of an earlier request's, with the same "
    "Idempotency-Key.",
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    HEADER,
    description="The ETag of the resource as you read it: if someone changed it since, the "
    "write is refused with 412 `precondition_failed` and changes nothing.",
)
ETAG = OpenApiParameter(
    "ETag",
    str,
    HEADER,
    response=[200],
    description="The version of the resource, for `If-Match` on a later write.",
)
LOCATION = OpenApiParameter(
    "Location", str, HEADER, response=[201], description="The URL of what was created."
)
RATE_LIMIT_HEADERS = [
    OpenApiParameter(
        "RateLimit-Limit",
        int,
        HEADER,
        response=True,
        description="Requests allowed in the window of the tightest limit counting this one.",
    ),
    OpenApiParameter(
        "RateLimit-Remaining",
        int,
        HEADER,
        response=True,
        description="Requests left in that window.",
    ),
    OpenApiParameter(
        "RateLimit-Reset",
        int,
        HEADER,
        response=True,
        description="Seconds until the oldest request counted leaves the window (room again).",
    ),
]
# The seconds to wait, on a 429 and on a 503 (the database is unavailable).
RETRY_AFTER = {
    codes: OpenApiParameter(
        "Retry-After",
        int,
        HEADER,
        response=list(codes),
        description="Seconds to wait before trying again.",
    )
    for codes in ((503,), (429, 503))
}
REQUEST_ID = OpenApiParameter(
    "X-Request-ID",
    str,
    HEADER,
    response=True,
    description="The request's ID (yours, if you sent a sane one): quote it when asking.",
)


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable and machine-readable, e.g. `slug_taken`.")
    message = serializers.CharField(help_text="For people: what went wrong and what to do.")
    # A field named like Serializer.fields: DRF's metaclass takes it out of the class.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="The messages about each field of the input, by field name.",
    )
    request_id = serializers.CharField(
        required=False, help_text="The request's `X-Request-ID`: quote it when asking about it."
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


ERROR_MEANINGS = {
    400: "Invalid input",
    401: "No or bad credentials",
    403: "Missing role, suspended organization, or not allowed",
    404: "Absent, or not yours",
    405: "Method not allowed",
    409: "Conflict (slug taken, already a member, seat limit, last owner, idempotency key)",
    410: "The invitation can no longer be used",
    412: "`precondition_failed`: changed since you read it (If-Match)",
    429: "Rate limited (see Retry-After and the RateLimit headers)",
    503: "The database is unavailable",
}
# What a 404 of an operation about the signed-in person means.
PEOPLE_ONLY = {404: "About a person: an organization API key gets 404 here"}
# What a 409 of an `@idempotent` operation means (beside its own conflicts).
IDEMPOTENCY_CONFLICT = (
    "`idempotency_key_reused`: the Idempotency-Key came with another request; "
    "`idempotency_key_in_progress`: its first request is still running"
)
STALE_IF_MATCH = ERROR_MEANINGS[412]


def with_meanings(declared: dict[Any, Any], meanings: dict[int, str]) -> dict[Any, Any]:
    """`declared` responses, with the errors of `meanings` added — or, where an operation
    declares the status already, its description extended with the meaning."""
    merged = dict(declared)
    for code, meaning in meanings.items():
        present = merged.get(code)
        if present is None:
            merged[code] = OpenApiResponse(ErrorSerializer, description=meaning)
        elif isinstance(present, OpenApiResponse) and meaning not in str(present.description or ""):
            description = f"{present.description}; {meaning}" if present.description else meaning
            merged[code] = OpenApiResponse(present.response, description=description)
    return dict(sorted(merged.items(), key=lambda item: int(item[0])))


def responses(
    ok: Any,
    *errors: int,
    status: int = 200,
    public: bool = False,
    meanings: dict[int, str] | None = None,
) -> dict[int, Any]:
    """An endpoint's responses for the schema: `ok` under `status`, and every error it can give
    (400 and 503 always; 401 and 403 unless the endpoint is public); `meanings` says what an
    error means for this endpoint, in place of the general words."""
    codes = set(errors) | {400, 503}
    if not public:
        codes |= {401, 403}
    result: dict[int, Any] = {status: ok}
    for code in sorted(codes):
        meaning = (meanings or {}).get(code, ERROR_MEANINGS[code])
        result[code] = OpenApiResponse(ErrorSerializer, description=meaning)
    return result

"""The one boundary for what no view should ever see in a request's path, query string or form
(SPEC §8 Input); JSON bodies pass `causeloop.web.parsers.GuardedJSONParser` instead.

- A body larger than the limit is refused with 413 from its `Content-Length`, before a byte of
  it is read: `CAUSELOOP_MAX_UPLOAD_BYTES` for a multipart upload, `DATA_UPLOAD_MAX_MEMORY_SIZE`
  for anything else.
- A path, query string or form (urlencoded or multipart: field names and values) that is not
  valid UTF-8 (an encoded lone surrogate such as `%ED%A0%80` is not) or holds a NUL or another
  control character (line breaks and tabs aside) is refused with 400. (Django itself strips
  unprintable characters from uploaded file names.)

The API answers with its error shape; the pages with the plain 400 or 413 page.
"""

import codecs
import re
from collections.abc import Callable
from io import BytesIO
from typing import Any
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.files.uploadhandler import FileUploadHandler
from django.core.handlers.wsgi import get_bytes_from_wsgi
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParser, MultiPartParserError
from django.template.loader import render_to_string

from causeloop.core.errors import DomainError, InvalidInput, PayloadTooLarge, error_body
from causeloop.web.scim.errors import error_response as scim_error_response

# The control characters refused in a path, query string or form field (line breaks and tabs
# allowed), as a regular expression's character range; the OpenAPI document uses it too.
CONTROL_CHARACTERS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_REFUSED = re.compile(f"[{CONTROL_CHARACTERS}\\ud800-\\udfff]")
REFUSED_MESSAGE = (
    "The request must be UTF-8 text without NUL or other control characters (in its path, "
    "query string and form fields)."
)


def refused_text(text: str) -> bool:
    """NUL, other control characters (line breaks and tabs allowed) or a lone surrogate."""
    return _REFUSED.search(text) is not None


def _check_text(raw: bytes, *, encoding: str) -> None:
    try:
        text = raw.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        raise InvalidInput(REFUSED_MESSAGE) from None
    if refused_text(text):
        raise InvalidInput(REFUSED_MESSAGE)


def _form_decoded(raw: bytes) -> bytes:
    """An urlencoded string (`a=b+c&d=%00`) with its escapes undone, still as bytes."""
    return unquote_to_bytes(raw.replace(b"+", b" "))


def _content_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def _check_size(request: HttpRequest) -> None:
    if request.content_type == "multipart/form-data":
        limit = settings.CAUSELOOP_MAX_UPLOAD_BYTES
    else:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is not None and _content_length(request) > limit:
        raise PayloadTooLarge(f"The request body must be at most {limit} bytes.")


class _FileFieldNames(FileUploadHandler):
    """Keeps the field names of a multipart body's files and drops their content (the view
    parses the body again for that)."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def new_file(self, field_name: str, *args: Any, **kwargs: Any) -> None:
        self.names.append(field_name)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        return None

    def file_complete(self, file_size: int) -> None:
        return None


def _check_multipart(request: HttpRequest, body: bytes, encoding: str) -> None:
    files = _FileFieldNames()
    try:
        fields, _files = MultiPartParser(request.META, BytesIO(body), [files], encoding).parse()
    except (MultiPartParserError, SuspiciousOperation):
        raise InvalidInput("The multipart body is malformed or has too many parts.") from None
    values = (value for _name, values in fields.lists() for value in values)
    texts = [*fields.keys(), *values, *files.names]
    if any(refused_text(text) for text in texts):
        raise InvalidInput(REFUSED_MESSAGE)
    # Django decodes multipart text leniently, bytes that are not UTF-8 becoming U+FFFD: one
    # that the body never spelled out itself stood for such bytes.
    lenient = codecs.lookup(encoding).name == "utf-8" and "\ufffd".encode() not in body
    if lenient and any("\ufffd" in text for text in texts):
        raise InvalidInput(REFUSED_MESSAGE)


def check_request(request: HttpRequest) -> None:
    """Raise `PayloadTooLarge` or `InvalidInput` for a request no view should see."""
    _check_size(request)
    encoding = request.encoding or settings.DEFAULT_CHARSET
    # Django has already decoded the path, putting bytes that are not UTF-8 back as `%XX`.
    _check_text(unquote_to_bytes(request.path_info), encoding="utf-8")
    _check_text(
        _form_decoded(get_bytes_from_wsgi(request.META, "QUERY_STRING", "")), encoding=encoding
    )
    if request.content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return
    try:
        body = request.body
    except RequestDataTooBig:
        raise PayloadTooLarge("The request body is too large.") from None
    if request.content_type == "multipart/form-data":
        _check_multipart(request, body, encoding)
    else:
        _check_text(_form_decoded(body), encoding=encoding)


class InputGuardMiddleware:
    """Refuses what `check_request` refuses, before sessions, CSRF or any view read it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            check_request(request)
        except (InvalidInput, PayloadTooLarge) as error:
            return refusal(request, error)
        return self.get_response(request)


def refusal(request: HttpRequest, error: DomainError) -> HttpResponse:
    """The API's error shape under /api/, SCIM's under /scim/, else the plain error page for
    the status."""
    if request.path_info.startswith("/scim/"):
        return scim_error_response(request, error.status_code, error.message)
    if request.path_info.startswith("/api/"):
        return JsonResponse(
            error_body(error.code, error.message, error.fields), status=error.status_code
        )
    template = "413.html" if error.status_code == 413 else "400.html"
    return HttpResponse(
        render_to_string(template, {"message": error.message}), status=error.status_code
    )

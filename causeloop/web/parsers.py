"""The API's JSON parser: the one boundary every JSON body passes (SPEC §8 Input).

A body larger than `DATA_UPLOAD_MAX_MEMORY_SIZE` is refused with 413; one that is not UTF-8,
nested deeper than `MAX_DEPTH`, or holding a NUL character or a lone surrogate anywhere (keys
or values) with 400 `invalid_input`. No view, serializer or database sees such input, so none
of them has to guard against it.
"""

from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils import json

from causeloop.core.json_input import MAX_DEPTH, REFUSED_MESSAGE, nesting_depth, refused_text_at


class InputRefused(APIException):
    """The parser's refusal, rendered by the API's exception handler like the `DomainError`s
    `InvalidInput` (400 `invalid_input`) and `PayloadTooLarge` (413 `payload_too_large`). A DRF
    exception, as the authentication classes raise: DRF imports this module from its settings
    while `causeloop.core.errors` may still be loading."""

    status_code = 400
    default_code = "invalid_input"

    def __init__(
        self,
        message: str,
        *,
        fields: dict[str, list[str]] | None = None,
        status_code: int = 400,
        code: str = "invalid_input",
    ) -> None:
        super().__init__(message, code)
        self.status_code = status_code
        self.fields = fields or {}


class GuardedJSONParser(JSONParser):
    """DRF's JSON parser behind the size, encoding, depth and character rules."""

    def parse(
        self,
        stream: IO[bytes] | None,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        if stream is None:
            return None
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            message = f"The request body must be at most {limit} bytes."
            raise InputRefused(message, status_code=413, code="payload_too_large")
        encoding = (parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            raise InputRefused(f"The request body is not valid {encoding} text.") from None
        if nesting_depth(text) > MAX_DEPTH:
            raise InputRefused(f"JSON may nest arrays and objects at most {MAX_DEPTH} deep.")
        try:
            data = json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except ValueError as error:
            raise ParseError(f"JSON parse error - {error}") from None
        except RecursionError:
            # Unreachable after the depth check; kept so no parse can ever answer 500.
            raise InputRefused(f"JSON may nest at most {MAX_DEPTH} deep.") from None
        field = refused_text_at(data)
        if field is not None:
            raise InputRefused(REFUSED_MESSAGE, fields={field: [REFUSED_MESSAGE]})
        return data

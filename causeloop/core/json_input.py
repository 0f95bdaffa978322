"""The rules every JSON input obeys, wherever it comes from (the API's parser, the admin's JSON
fields): no nesting deeper than `MAX_DEPTH`, no NUL character and no lone surrogate."""

import re
from collections.abc import Mapping
from itertools import accumulate
from typing import Any

from django import forms
from django.db import models

MAX_DEPTH = 32

# A JSON string (what it holds cannot open or close a container), then the brackets left. An
# unterminated string runs to the end of the text: the pattern matches from every quote, so the
# scan stays linear whatever the body (json.loads refuses such a text anyway).
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*\\?(?:"|\Z)', re.DOTALL)
_BRACKET_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_BRACKETS = re.compile(r"[\[\]{}]")
# PostgreSQL stores neither, and a lone surrogate cannot even be encoded back to UTF-8.
_REFUSED = re.compile("[\x00\ud800-\udfff]")
REFUSED_MESSAGE = "Text must not contain NUL characters or lone surrogates."


def nesting_depth(text: str) -> int:
    """How deeply the JSON document `text` nests arrays and objects, found without recursion."""
    steps = map(_BRACKET_STEP.__getitem__, _BRACKETS.findall(_STRING.sub("", text)))
    return max(accumulate(steps), default=0)


def refused_text_at(data: Any) -> str | None:
    """The field path (`settings.key`, `items.2`) of the first key or string holding a NUL
    character or a lone surrogate, `non_field_errors` for the document itself, else None."""
    pending: list[tuple[str, Any]] = [("", data)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, str):
            if _REFUSED.search(value):
                return path or "non_field_errors"
        elif isinstance(value, Mapping):
            for key, item in value.items():
                if _REFUSED.search(key):
                    # The key itself cannot be named in the answer: it would not encode.
                    return path or "non_field_errors"
                pending.append((f"{path}.{key}" if path else key, item))
        elif isinstance(value, list):
            pending.extend(
                (f"{path}.{index}" if path else str(index), item)
                for index, item in enumerate(value)
            )
    return None


class GuardedJSONFormField(forms.JSONField):
    """A form's JSON field (the platform admin's `settings`, `scopes`) under the same rule."""

    def to_python(self, value: Any) -> Any:
        converted = super().to_python(value)
        if refused_text_at(converted) is not None:
            raise forms.ValidationError(REFUSED_MESSAGE, code="invalid_input")
        return converted


# ModelAdmin.formfield_overrides for every admin that edits a JSON field.
JSON_FORMFIELD_OVERRIDES: dict[Any, dict[str, Any]] = {
    models.JSONField: {"form_class": GuardedJSONFormField}
}

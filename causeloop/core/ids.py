"""Prefixed, time-sortable public IDs (TypeID: `org_01jd8x…`), the same string everywhere."""

import uuid
from datetime import datetime
from functools import cache
from typing import Any

import uuid_utils
from django.db import models
from django.utils.deconstruct import deconstructible
from typeid import TypeID
from typeid.codecs import base32
from typeid.core.validation import validate_prefix


def id_floor(prefix: str, moment: datetime) -> str:
    """The smallest ID with `prefix` minted at `moment`: every ID minted before it sorts lower
    (TypeIDs begin with their UUIDv7's millisecond time stamp), so an ID range is a time range."""
    milliseconds = int(moment.timestamp() * 1000)
    floor = uuid.UUID(int=milliseconds << 80)
    # Any UUID encodes; the stubs name only uuid_utils' class, which TypeID mints with.
    return str(TypeID.from_uuid(prefix=prefix, suffix=floor))  # type: ignore[arg-type]


def new_id(prefix: str) -> str:
    """A fresh TypeID string such as `org_01jd8x3k…`."""
    # What `str(TypeID(prefix=prefix))` gives, without its checks and objects on every call:
    # a bulk onboarding mints seventy thousand.
    return f"{_checked_prefix(prefix)}_{base32.encode(uuid_utils.uuid7().bytes)}"


@cache
def _checked_prefix(prefix: str) -> str:
    validate_prefix(prefix)
    return prefix


@deconstructible
class IdGenerator:
    """A migration-serialisable default that mints IDs with one prefix."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def __call__(self) -> str:
        return new_id(self.prefix)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IdGenerator) and other.prefix == self.prefix

    def __hash__(self) -> int:
        return hash(self.prefix)


class PublicIdField(models.CharField):
    """Primary key holding a TypeID with a fixed prefix; minted on creation."""

    def __init__(self, *args: Any, prefix: str, **kwargs: Any) -> None:
        self.prefix = prefix
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("primary_key", True)
        kwargs.setdefault("editable", False)
        kwargs["default"] = IdGenerator(prefix)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["prefix"] = self.prefix
        kwargs.pop("default", None)
        return name, path, args, kwargs

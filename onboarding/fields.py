"""The one declaration of onboarding's fields and their names on every face.

The CSV importer, the platform API, the platform admin's form and the `onboard_client` command
read their values through `ONBOARD_FIELDS`; each field is named once for each face here, so a
new field or a renamed column changes this table and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from causeloop.core.errors import DomainError


class Face(StrEnum):
    CSV = "csv"
    API = "api"
    # The admin form's fields and the command's options (`--org-name` → `org_name`) carry the
    # request's own names.
    FORM = "form"
    COMMAND = "command"


@dataclass(frozen=True)
class OnboardField:
    """One onboarding parameter: its `OnboardRequest` name (whose annotation is its type), its
    default and its name on each face."""

    name: str
    csv_column: str
    # None: the platform API does not take it (the owner's and workspace's names are derived).
    api_field: str | None
    required: bool = False
    # Used when the value is absent or empty; a required field has none.
    default: str | None = None
    # The CSV header must have the column even where a row may leave it empty.
    csv_column_required: bool = False
    # A yes/no field that is on unless asked otherwise: the command's flag that turns it off.
    switch_off: str | None = None

    @property
    def option(self) -> str:
        """The `onboard_client` command's option."""
        return "--" + self.name.replace("_", "-")

    def name_on(self, face: Face) -> str | None:
        """What `face` calls this field; None if the face does not take it."""
        if face is Face.CSV:
            return self.csv_column
        if face is Face.API:
            return self.api_field
        return self.name


ONBOARD_FIELDS: tuple[OnboardField, ...] = (
    OnboardField("org_name", "name", "company_name", required=True, csv_column_required=True),
    OnboardField("org_slug", "slug", "org_slug", required=True, csv_column_required=True),
    OnboardField("owner_email", "email", "admin_email", required=True, csv_column_required=True),
    OnboardField("owner_name", "owner_name", None),
    OnboardField("workspace_name", "workspace_name", None),
    OnboardField("plan", "plan", "subscription_plan", default="free", csv_column_required=True),
    OnboardField("timezone", "timezone", "timezone", default="UTC"),
    OnboardField("seats", "seats", "seats"),
    # The owner is mailed a welcome with a link to choose a password (or, if they have one
    # already, a note that they were added).
    OnboardField(
        "send_welcome_email",
        "send_welcome_email",
        "send_welcome_email",
        default="true",
        switch_off="--no-email",
    ),
)


def onboard_values_from(values: Mapping[str, object], *, face: Face) -> dict[str, object]:
    """`values` as `face` names them → the same values by the request's names, with the
    defaults of the fields left empty. Values are not checked here: the services check them."""
    named: dict[str, object] = {}
    for field in ONBOARD_FIELDS:
        face_name = field.name_on(face)
        if face_name is None:
            continue
        value = values.get(face_name)
        if not field.required and value in (None, ""):
            value = field.default
        named[field.name] = value
    return named


def onboard_error_renamed(error: DomainError, *, face: Face) -> DomainError:
    """`error` with the request's field names replaced by `face`'s, in its fields and message."""
    names = {
        field.name: face_name
        for field in ONBOARD_FIELDS
        if (face_name := field.name_on(face)) is not None
    }
    error.fields = {names.get(name, name): value for name, value in error.fields.items()}
    for name, face_name in names.items():
        error.message = error.message.replace(f"{name}:", f"{face_name}:")
    return error

"""An organization's brand: its colours and its logo. A logo is a real image of an accepted
type, size and dimensions, decoded in full (so neither truncated nor a bomb); its file leaves
storage with the change that lets go of it."""

from __future__ import annotations

import io
import warnings
from typing import TYPE_CHECKING, Any

from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import transaction
from PIL import Image, UnidentifiedImageError

from causeloop.core.errors import ValidationFailed
from organizations.access import require_role
from organizations.audit import audit
from organizations.models import ApiKey, Organization
from organizations.roles import Role
from organizations.validation import clean_color

if TYPE_CHECKING:
    from memberships.models import User

MAX_LOGO_BYTES = 1024 * 1024
MAX_LOGO_SIDE = 2048
ACCEPTED_FORMATS = {"PNG": "png", "JPEG": "jpg", "GIF": "gif", "WEBP": "webp"}


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed(message, code="invalid_logo", fields={"logo": [message]})


def clean_logo(upload: UploadedFile) -> UploadedFile:
    """The upload, checked and renamed by its real format; refuses anything else."""
    if upload.size is None or upload.size > MAX_LOGO_BYTES:
        raise _refuse("The logo must be at most 1 MB.")
    data = upload.read()
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image_format = image.format or ""
                width, height = image.size
                if width * height > MAX_LOGO_SIDE * MAX_LOGO_SIDE:
                    raise _refuse(
                        f"The logo must be at most {MAX_LOGO_SIDE}×{MAX_LOGO_SIDE} pixels."
                    )
                image.verify()
            # `verify()` checks the file's structure only: decoding every pixel is what finds
            # image data cut short (and a bomb that only decompression reveals).
            with Image.open(io.BytesIO(data)) as image:
                image.load()
    except ValidationFailed:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
    ):
        raise _refuse("The logo must be a PNG, JPEG, GIF or WebP image.") from None
    if image_format not in ACCEPTED_FORMATS:
        raise _refuse("The logo must be a PNG, JPEG, GIF or WebP image.")
    if width > MAX_LOGO_SIDE or height > MAX_LOGO_SIDE:
        raise _refuse(f"The logo must be at most {MAX_LOGO_SIDE}×{MAX_LOGO_SIDE} pixels.")
    return SimpleUploadedFile(
        f"logo.{ACCEPTED_FORMATS[image_format]}",
        data,
        content_type=f"image/{ACCEPTED_FORMATS[image_format]}",
    )


def discard_logo_on_commit(name: str) -> None:
    """Delete a logo file from storage once the transaction that let go of it (a replaced or
    removed logo, a purged organization) commits. A rollback keeps the file: the row still
    points at it. A storage failure is logged and never fails the change."""
    if not name:
        return
    storage = Organization._meta.get_field("logo").storage
    transaction.on_commit(lambda: storage.delete(name), robust=True)


@transaction.atomic
def branding_update(
    *,
    organization: Organization,
    actor: User | ApiKey,
    primary_color: str | None = None,
    secondary_color: str | None = None,
    logo: UploadedFile | None = None,
    remove_logo: bool = False,
) -> Organization:
    """Change the logo and brand colours (admin+)."""
    require_role(actor, organization, at_least=Role.ADMIN)
    changed: dict[str, Any] = {}
    if primary_color is not None:
        changed["primary_color"] = clean_color(primary_color, field="primary_color")
    if secondary_color is not None:
        changed["secondary_color"] = clean_color(secondary_color, field="secondary_color")
    cleaned_logo = clean_logo(logo) if logo is not None else None
    for field, value in changed.items():
        setattr(organization, field, value)
    previous_logo = organization.logo.name or ""
    if remove_logo and organization.logo:
        organization.logo = None
        changed["logo"] = None
    if cleaned_logo is not None:
        organization.logo.save(cleaned_logo.name or "logo", cleaned_logo, save=False)
        changed["logo"] = organization.logo.name
    if "logo" in changed:
        discard_logo_on_commit(previous_logo)  # replaced or removed: gone once this commits
    if changed:
        organization.save(update_fields=[*changed, "updated_at"])
        audit(
            organization,
            actor=actor,
            action="branding.updated",
            target=organization,
            details={k: v for k, v in changed.items()},
        )
    return organization

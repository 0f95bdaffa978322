"""Logo validation: a real image of an accepted type, size and dimensions, decoded in full
(so neither truncated nor a bomb). And the end of a logo's file: it leaves storage with the
change that lets go of it."""

import io
import warnings

from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import transaction
from PIL import Image, UnidentifiedImageError

from causeloop.core.errors import ValidationFailed
from organizations.models import Organization

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

"""Uploads: a logo that is not what it claims, or too large, is refused and changes nothing."""

import pytest

from tests.api.conftest import assert_refused, database_state
from tests.hostile import (
    CountingStream,
    png_bytes,
    truncated_jpeg,
    truncated_png,
    upload,
)

pytestmark = pytest.mark.django_db


# --- uploads ---------------------------------------------------------------------------------


def _multipart(client, url, fields):
    return client.patch(url, fields, format="multipart")


def test_a_30_mb_upload_is_refused_with_413_before_it_is_read(world, organization):
    client, names = world
    body = CountingStream(30 * 1024 * 1024)
    response = client.generic(
        "PATCH",
        f"/api/v1/organizations/{names['org']}/branding",
        "x",
        content_type="multipart/form-data; boundary=BoUnDaRy",
        CONTENT_LENGTH=str(body.size),
        **{"wsgi.input": body},
    )
    assert_refused(response, status=413, code="payload_too_large")
    assert body.read_bytes == 0
    organization.refresh_from_db()
    assert not organization.logo


@pytest.mark.parametrize(
    ("data", "name"), [(truncated_png(), "logo.png"), (truncated_jpeg(), "logo.jpg")]
)
def test_a_truncated_image_is_refused_as_a_logo(world, organization, data, name):
    client, names = world
    response = _multipart(
        client, f"/api/v1/organizations/{names['org']}/branding", {"logo": upload(data, name)}
    )
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid_logo"
    assert "logo" in error["fields"]
    organization.refresh_from_db()
    assert not organization.logo


def test_a_whole_image_is_still_accepted_as_a_logo(world, organization):
    client, names = world
    response = _multipart(
        client,
        f"/api/v1/organizations/{names['org']}/branding",
        {"logo": upload(png_bytes(), "logo.png")},
    )
    assert response.status_code == 200, response.content
    organization.refresh_from_db()
    assert organization.logo


@pytest.mark.parametrize(
    "fields",
    [
        {"primary_color": "#12\x0034"},
        {"primary_color": "#123456", "secondary_color": "\x1b[31m"},
        {"primary\x00color": "#123456"},
        {"lo\x00go": upload(png_bytes(), "logo.png")},
    ],
    ids=["NUL value", "escape code", "NUL name", "NUL file field name"],
)
def test_nul_and_control_characters_in_a_multipart_form_are_400(world, organization, fields):
    client, names = world
    before = database_state()
    response = _multipart(client, f"/api/v1/organizations/{names['org']}/branding", fields)
    assert_refused(response)
    assert database_state() == before
    organization.refresh_from_db()
    assert organization.primary_color == "#000000"
    assert not organization.logo


def test_bad_utf8_in_a_multipart_form_is_400(world):
    client, names = world
    boundary = "BoUnDaRy"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="primary_color"\r\n\r\n'.encode()
        + b"#12\xed\xa0\x80"
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = client.generic(
        "PATCH",
        f"/api/v1/organizations/{names['org']}/branding",
        body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert_refused(response)

"""The OpenAPI document states the shape of every input the server checks, and states it as the
server checks it: path names by the converters that route them, text by the rules of the
service that cleans it. A client, a linter or a fuzzer that keeps to the document is not refused
for a shape it could not have known."""

import re

import pytest
from django.contrib.auth.password_validation import NumericPasswordValidator
from django.core.exceptions import ValidationError

from causeloop.core.crypto import random_secret
from causeloop.core.errors import ValidationFailed
from causeloop.core.ids import new_id
from causeloop.web.api import converters, fields
from memberships.models import InviteCode
from organizations.services.integrations import _credential
from organizations.validation import (
    clean_color,
    clean_name,
    clean_optional_text,
    clean_slug,
    clean_timezone,
)
from tests.api.conftest import assert_refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(client):
    return client.get("/api/schema/?format=json").json()


def _strings(schema, where):
    """(where, schema) of every string in a request body's schema, through oneOf/anyOf."""
    for branch in schema.get("oneOf", []) + schema.get("anyOf", []):
        yield from _strings(branch, where)
    if schema.get("type") == "string":
        yield where, schema
    for name, prop in schema.get("properties", {}).items():
        yield from _strings(prop, f"{where}.{name}")
    if isinstance(schema.get("items"), dict):
        yield from _strings(schema["items"], f"{where}[]")


def test_no_request_text_is_unconstrained(document):
    loose = [
        where
        for name, component in document["components"]["schemas"].items()
        if name.endswith("Request")
        for where, schema in _strings(component, name)
        if not {"pattern", "format", "enum", "const"} & set(schema) and schema.get("maxLength") != 0
    ]
    assert loose == []


def _accepts(clean, value):
    try:
        clean(value)
    except (ValidationFailed, ValidationError):
        return False
    return True


@pytest.mark.parametrize(
    ("kind", "clean", "samples"),
    [
        (
            fields.Name,
            clean_name,
            ["Acme", "  Acme Corp ", "Zoë 😀", "", "   ", "a\x01b", "a\nb", "a\x85b", "\t"],
        ),
        (fields.HexColor, lambda v: clean_color(v, field="c"), ["#1a2B3c", "#fff", "1a2b3c"]),
        (  # not a reserved word: those the pattern does not list
            fields.Slug,
            clean_slug,
            ["acme", " Acme_Co ", "ab", "-acme", "acme-", "a" * 50, "a" * 51, "ac me", "ümlaut"],
        ),
        (
            fields.Credential,
            _credential,
            [
                "sk_live_12345",
                "  12345678  ",
                "1234567",
                "1234 5678",
                "abcdefg\x00h",
                "a\tbcdefghi",
            ],
        ),
        (
            fields.TimezoneName,
            clean_timezone,
            ["UTC", "Europe/Paris", "America/Argentina/Buenos_Aires", "Etc/GMT+5", "GMT-0"],
        ),
    ],
)
def test_a_kind_of_text_is_documented_as_its_service_checks_it(kind, clean, samples):
    pattern = kind.documented["pattern"]
    for sample in samples:
        if re.search(pattern, sample):  # what the document admits, the service accepts
            assert _accepts(clean, sample), (kind.__name__, sample)
    # and what the service accepts here fits the document (the samples above are in the BMP,
    # with no Unicode format or private-use character, which the pattern does not list)
    for sample in samples:
        if _accepts(clean, sample):
            assert re.search(pattern, sample), (kind.__name__, sample)


def test_a_password_of_digits_only_is_outside_the_document_and_refused():
    pattern = fields.NewPassword.documented["pattern"]
    for sample in ["1234567890", "12345678a", "correct horse"]:
        numeric = not _accepts(NumericPasswordValidator().validate, sample)
        assert bool(re.search(pattern, sample)) is not numeric


def test_every_path_name_the_server_makes_fits_its_converter():
    made = {
        converters.PublicId: [new_id("tpl"), new_id("code"), new_id("ws")],
        converters.OrganizationRef: ["acme", "my-org_2", new_id("org")],
        converters.Secret: [random_secret(24), new_id("inv")],
        converters.InviteCode: ["ABCD2345", "abcd-2345", InviteCode.ALPHABET[: InviteCode.LENGTH]],
    }
    for converter, names in made.items():
        for name in names:
            assert re.fullmatch(converter.regex, name), (converter.__name__, name)


@pytest.mark.parametrize(
    "action", ["nonsense", "template.created,member.joined", "TEMPLATE.CREATED"]
)
def test_an_unknown_audit_action_is_a_400_not_an_empty_page(as_user, owner, organization, action):
    path = f"/api/v1/organizations/{organization.slug}/audit-log"
    error = assert_refused(as_user(owner).get(path, {"action": action}), code="invalid_action")
    assert "event-types" in error["message"]


def test_an_unknown_event_type_is_a_400(as_user, owner, organization):
    path = f"/api/v1/organizations/{organization.slug}/events"
    error = assert_refused(as_user(owner).get(path, {"type": "member.nonsense"}), code="invalid")
    assert list(error["fields"]) == ["type"]


def test_an_optional_name_is_documented_as_its_service_checks_it():
    pattern = fields.Name(required=False, allow_blank=True).documented["pattern"]

    def clean(value):
        return clean_optional_text(value, field="name", max_length=200, label="Name")

    for sample in ["", "   ", "Ada", "a\x01b", "a\nb", "Zoë"]:
        assert bool(re.search(pattern, sample)) is _accepts(clean, sample), sample


def test_an_optional_slug_may_be_left_empty():
    pattern = fields.Slug(required=False, allow_blank=True).documented["pattern"]
    assert [bool(re.search(pattern, s)) for s in ["", "  ", "acme", "a"]] == [1, 1, 1, 0]


def test_text_that_may_be_empty_is_exactly_one_of_its_branches(document):
    """drf-spectacular writes text that may be blank as `oneOf: [text, {maxLength: 0}]`: the
    empty string must match the second branch only, or `oneOf` refuses it."""
    for name, component in document["components"]["schemas"].items():
        for prop, schema in component.get("properties", {}).items():
            branches = schema.get("oneOf", [])
            if {"type": "string", "maxLength": 0} in branches:
                (text,) = [b for b in branches if b.get("maxLength") != 0]
                assert text.get("minLength", 0) >= 1, (name, prop)

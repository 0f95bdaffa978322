"""One field map: the CSV importer, the platform API, the admin form and the command build the
same `OnboardRequest` from the same values, and refuse a bad value the same way."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from zeal import zeal_ignore

from causeloop.core.errors import ValidationFailed
from onboarding.bulk import REQUIRED_COLUMNS, onboard_rows
from onboarding.fields import ONBOARD_FIELDS, Face, onboard_error_renamed
from onboarding.forms import OnboardClientForm
from onboarding.services.onboard import OnboardRequest, onboard_request_from
from organizations.models import Organization
from tests.api.conftest import ROOT_KEY, client_with

pytestmark = pytest.mark.django_db

CSV_ROW = {
    "name": "Acme Corp",
    "slug": "acme",
    "email": "alice@acme.com",
    "plan": "growth",
    "owner_name": "",
    "workspace_name": "",
    "timezone": "Europe/Paris",
    "seats": "60",
}
API_BODY = {
    "company_name": "Acme Corp",
    "org_slug": "acme",
    "admin_email": "alice@acme.com",
    "subscription_plan": "growth",
    "timezone": "Europe/Paris",
    "seats": 60,
}
FORM_DATA = {
    "org_name": "Acme Corp",
    "org_slug": "acme",
    "owner_email": "alice@acme.com",
    "owner_name": "",
    "workspace_name": "",
    "plan": "growth",
    "timezone": "Europe/Paris",
    "seats": "60",
    "send_welcome_email": "on",
}
COMMAND_OPTIONS = {
    "org_name": "Acme Corp",
    "org_slug": "acme",
    "owner_email": "alice@acme.com",
    "owner_name": None,
    "workspace_name": None,
    "plan": "growth",
    "timezone": "Europe/Paris",
    "seats": "60",
    "verbosity": 1,
}
EXPECTED = OnboardRequest(
    org_name="Acme Corp",
    org_slug="acme",
    owner_email="alice@acme.com",
    owner_name="alice",
    workspace_name="Acme Corp",
    plan="growth",
    timezone="Europe/Paris",
    seats=60,
)


def _form_values(data):
    form = OnboardClientForm(data)
    assert form.is_valid(), form.errors
    return form.cleaned_data


def test_equal_values_on_every_face_make_equal_requests():
    requests = {
        Face.CSV: onboard_request_from(CSV_ROW, face=Face.CSV),
        Face.API: onboard_request_from(API_BODY, face=Face.API),
        Face.FORM: onboard_request_from(_form_values(FORM_DATA), face=Face.FORM),
        Face.COMMAND: onboard_request_from(COMMAND_OPTIONS, face=Face.COMMAND),
    }
    assert set(requests.values()) == {EXPECTED}


def test_empty_optional_values_take_the_maps_defaults_on_every_face():
    csv = onboard_request_from({**CSV_ROW, "plan": "", "timezone": "", "seats": ""}, face=Face.CSV)
    api_body = {
        key: value
        for key, value in API_BODY.items()
        if key in ("company_name", "org_slug", "admin_email")
    }
    api = onboard_request_from(api_body, face=Face.API)
    assert csv == api
    assert (csv.plan, csv.timezone, csv.seats) == ("free", "UTC", None)


def test_the_map_names_every_face_and_the_csv_header():
    assert REQUIRED_COLUMNS == ("name", "slug", "email", "plan")
    assert [field.option for field in ONBOARD_FIELDS][:3] == [
        "--org-name",
        "--org-slug",
        "--owner-email",
    ]
    assert {field.name_on(Face.API) for field in ONBOARD_FIELDS} == {
        "company_name",
        "org_slug",
        "admin_email",
        "subscription_plan",
        "timezone",
        "seats",
        "send_welcome_email",
        None,
    }


@pytest.mark.parametrize(
    ("face", "values"),
    [
        (Face.CSV, {**CSV_ROW, "timezone": "Moon/Base"}),
        (Face.API, {**API_BODY, "timezone": "Moon/Base"}),
        (Face.FORM, {**FORM_DATA, "timezone": "Moon/Base"}),
        (Face.COMMAND, {**COMMAND_OPTIONS, "timezone": "Moon/Base"}),
    ],
)
def test_a_bad_value_is_refused_with_the_same_code_and_field_on_every_face(face, values):
    with pytest.raises(ValidationFailed) as error:
        onboard_request_from(values, face=face)
    assert error.value.code == "invalid"
    assert list(error.value.fields) == ["timezone"]
    assert error.value.message.startswith('timezone: "Moon/Base" is not a known IANA timezone')


def test_the_api_names_its_own_fields_in_errors():
    with pytest.raises(ValidationFailed) as raised:
        onboard_request_from({**API_BODY, "admin_email": "nope"}, face=Face.API)
    error = onboard_error_renamed(raised.value, face=Face.API)
    assert list(error.fields) == ["admin_email"]
    assert error.message.startswith("admin_email: ")


BAD = "Moon/Base"
EXPECTED_MESSAGE = f'"{BAD}" is not a known IANA timezone'


def test_a_bad_value_is_refused_by_the_api_with_the_code_and_its_field_name():
    bad, expected = BAD, EXPECTED_MESSAGE
    # The platform API: the code and the API's field name.
    api = client_with(HTTP_X_ROOT_KEY=ROOT_KEY).post(
        "/api/v1/organizations/onboard", {**API_BODY, "timezone": bad}, format="json"
    )
    assert api.status_code == 400
    assert api.json()["error"]["code"] == "invalid"
    assert expected in api.json()["error"]["fields"]["timezone"][0]


def test_a_bad_value_fails_the_csv_row_the_command_and_the_admin_form_alike(
    client, django_user_model
):
    bad, expected = BAD, EXPECTED_MESSAGE
    # The CSV importer: the row fails with the same message.
    (outcome,) = onboard_rows([{**CSV_ROW, "timezone": bad}])
    assert outcome.failed
    assert expected in outcome.detail
    # The command.
    with pytest.raises(CommandError, match=expected):
        call_command(
            "onboard_client",
            "--org-name=Acme Corp",
            "--org-slug=acme",
            "--owner-email=alice@acme.com",
            f"--timezone={bad}",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    # The admin form: next to the field.
    operator = django_user_model.objects.create_superuser("op@causeloop.test", "operator-pass-1")
    with zeal_ignore():
        client.force_login(operator)
    page = client.post(
        reverse("admin:organizations_organization_onboard"), {**FORM_DATA, "timezone": bad}
    )
    assert expected in page.context["form"].errors["timezone"][0]
    assert not Organization.objects.exists()

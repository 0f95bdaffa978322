"""Structured logs (SPEC §12): one JSON line per request and per task, the request ID taken
from or set in `X-Request-ID`, and no path, query string or secret in a line. (That no secret
the suite makes reaches any log is checked for the whole run by tests/secret_leaks.py.)"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator

import pytest
from django.core import mail
from django.test import Client, RequestFactory
from zeal import zeal_ignore

from causeloop.core.logs import HidePaths, formatter
from causeloop.web.requestlog import RequestLogMiddleware
from organizations.services.api_keys import api_key_provision
from tests.factories import UserFactory
from tests.secret_leaks import find_leaks

REQUEST_FIELDS = {
    "event",
    "request_id",
    "method",
    "route",
    "status",
    "duration_ms",
    "organization",
    "actor",
    "level",
    "timestamp",
    "logger",
}
NEW_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def logged() -> Iterator[io.StringIO]:
    """What the production handler writes during the test, from INFO up."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter("json"))
    handler.addFilter(HidePaths())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def lines(logged: io.StringIO, event: str | None = None) -> list[dict]:
    """Every line written, each parsed as JSON (a line that is not fails the test)."""
    parsed = [json.loads(line) for line in logged.getvalue().splitlines()]
    return [line for line in parsed if event is None or line["event"] == event]


def test_an_api_call_with_a_key_is_one_line_naming_its_organization_and_key(logged, organization):
    key, secret = api_key_provision(organization=organization, name="logs")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    response = client.get(f"/api/v1/organizations/{organization.pk}?page=2&token=abc")

    assert response.status_code == 200
    (line,) = lines(logged, "request")
    assert set(line) == REQUEST_FIELDS
    assert line["request_id"] == response["X-Request-ID"]
    assert NEW_ID.fullmatch(line["request_id"])
    assert (line["method"], line["route"], line["status"]) == (
        "GET",
        "api/v1/organizations/<org:org>",
        200,
    )
    assert (line["organization"], line["actor"]) == (organization.pk, key.pk)
    assert (line["level"], line["logger"]) == ("info", "causeloop.requests")
    assert line["duration_ms"] > 0
    assert "token=abc" not in logged.getvalue()


def test_a_page_names_the_signed_in_person_and_their_organization(logged, client, owner):
    with zeal_ignore():  # signing in is the test's setup, not the request under test
        client.force_login(owner)

    response = client.get("/admin/members/")

    assert response.status_code == 200
    (line,) = lines(logged, "request")
    assert (line["route"], line["status"]) == ("admin/members/", 200)
    organization = owner.memberships.get().organization_id
    assert (line["organization"], line["actor"]) == (organization, owner.pk)


def test_a_404_names_no_route_nor_its_path_and_carries_the_request_id(logged, client, db):
    response = client.get("/invitations-nowhere/a-secret-looking-token/?key=also-secret")

    assert response.status_code == 404
    (line,) = lines(logged, "request")
    assert (line["route"], line["status"], line["organization"], line["actor"]) == (
        None,
        404,
        None,
        None,
    )
    assert line["request_id"] == response["X-Request-ID"]
    assert "secret" not in logged.getvalue()


@pytest.mark.parametrize(
    ("offered", "kept"),
    [
        ("lb-7f3a.2024:edge_01", True),
        ("x" * 129, False),  # too long
        ("two words", False),
        ("id\u00e9", False),
    ],
)
def test_a_sane_request_id_is_passed_on_and_any_other_replaced(logged, client, db, offered, kept):
    response = client.get("/login/", HTTP_X_REQUEST_ID=offered)

    sent = response["X-Request-ID"]
    assert (sent == offered) is kept
    assert kept or NEW_ID.fullmatch(sent)
    assert lines(logged, "request")[0]["request_id"] == sent


def test_a_server_error_carries_the_request_id_and_its_lines_name_the_route(
    logged, organization, monkeypatch
):
    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("causeloop.web.api.organizations._organization_data", broken)
    _key, secret = api_key_provision(organization=organization, name="logs")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", raise_request_exception=False)

    response = client.get(f"/api/v1/organizations/{organization.pk}")

    assert response.status_code == 500
    request_id = response["X-Request-ID"]
    error, request = lines(logged)[-2:]
    assert (request["event"], request["status"], request["level"]) == ("request", 500, "error")
    # Django's own line (with the traceback) names the URL pattern, not the path.
    assert error["event"] == "Internal Server Error: api/v1/organizations/<org:org>"
    assert "RuntimeError: boom" in error["exception"]
    assert error["request_id"] == request["request_id"] == request_id


def test_a_request_that_raises_is_logged_as_a_500_before_the_error_goes_on(logged):
    def raising(_request):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        RequestLogMiddleware(raising)(RequestFactory().get("/anything"))

    (line,) = lines(logged, "request")
    assert (line["status"], line["level"]) == (500, "error")


def test_a_task_run_in_a_request_is_one_line_with_that_requests_id(logged, client, db):
    UserFactory(email="forgetful@example.com")

    client.post("/password/reset/", {"email": "forgetful@example.com"})

    assert len(mail.outbox) == 1
    (task,) = lines(logged, "task")
    (request,) = lines(logged, "request")
    assert task["task"] == "memberships.tasks.send_email"
    assert (task["status"], task["attempt"], task["level"]) == ("SUCCESSFUL", 1, "info")
    assert task["task_id"]
    assert task["worker"]
    assert task["duration_ms"] >= 0
    assert task["request_id"] == request["request_id"]


def test_the_leak_check_finds_a_secret_the_suite_made_in_a_log(request, tmp_path, organization):
    _key, secret = api_key_provision(organization=organization, name="leaked")
    made = request.config.pluginmanager.get_plugin("secret-leaks").secrets
    assert made[secret] == "API key"  # remembered as it was made
    log = tmp_path / "worker.jsonl"
    careless = logging.Logger("tests.careless")  # no parent: not into the run's own log
    handler = logging.FileHandler(log, encoding="utf-8")
    handler.setFormatter(formatter("json"))  # as the run's own log writes its lines
    careless.addHandler(handler)
    careless.info("nothing here")
    careless.warning("calling out with %s", secret)
    handler.close()

    (leak,) = find_leaks(log, {secret: "API key", "a-password-never-logged": "password"})

    assert (leak.kind, leak.line, leak.logger) == ("API key", 2, "tests.careless")

"""The OpenAPI document passes the checks a client developer's tools make before generating
anything: openapi-spec-validator (the OpenAPI specification's own schema and rules) and
Redocly CLI's `recommended` ruleset (redocly.yaml at the repository's root)."""

import json
import os
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from tests.api.openapi.conftest import document

ROOT = Path(__file__).resolve().parents[3]
REDOCLY = ROOT / ".ci" / "node" / "node_modules" / ".bin" / "redocly"


def test_the_document_is_valid_openapi(openapi_document):
    spec = document(openapi_document)
    assert spec["openapi"].startswith("3.1")
    try:
        validate(spec)
    except OpenAPIValidationError as error:
        pytest.fail(f"{error.message} at {'/'.join(map(str, error.absolute_path))}")


@pytest.mark.django_db
def test_the_document_names_the_deployment_it_is_served_from_as_its_server(
    client, settings, tmp_path
):
    settings.CAUSELOOP_BASE_URL = "https://causeloop.example"
    settings.ALLOWED_HOSTS = ["api.causeloop.example"]
    served = client.get("/api/schema/?format=json", HTTP_HOST="api.causeloop.example").json()
    assert [server["url"] for server in served["servers"]] == ["http://api.causeloop.example"]
    # manage.py spectacular has no request: the configured address.
    call_command("spectacular", format="openapi-json", file=str(tmp_path / "openapi.json"))
    written = document(tmp_path / "openapi.json")
    assert [server["url"] for server in written["servers"]] == ["https://causeloop.example"]


def lint(path: Path) -> list[dict]:
    """Redocly's problems with the document at `path`, as its JSON report lists them."""
    if not REDOCLY.exists():
        pytest.fail(f"Redocly CLI is missing: run `bash .ci/redocly.sh` ({REDOCLY})")
    result = subprocess.run(
        [str(REDOCLY), "lint", str(path), f"--config={ROOT / 'redocly.yaml'}", "--format=json"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"},
        timeout=120,
    )
    # Exit status 1 is "problems found"; anything else, or no report, is Redocly failing.
    assert result.returncode in (0, 1), result.stderr
    assert result.stdout, result.stderr
    return json.loads(result.stdout)["problems"]


def describe(problem: dict) -> str:
    """`error operation-summary: … at POST /api/v1/me › summary`: where the pointer is in an
    operation, the operation as a reader names it."""
    pointer = problem["location"][0]["pointer"] if problem["location"] else "#"
    parts = [part.replace("~1", "/").replace("~0", "~") for part in pointer.split("/")[1:]]
    if parts[:1] == ["paths"] and len(parts) >= 3:
        where = " › ".join([f"{parts[2].upper()} {parts[1]}", *parts[3:]])
    else:
        where = pointer
    return f"{problem['severity']} {problem['ruleId']}: {problem['message']} at {where}"


def test_redocly_recommended_rules_find_no_error(openapi_document):
    problems = lint(openapi_document)
    errors = [describe(problem) for problem in problems if problem["severity"] == "error"]
    warnings = [describe(problem) for problem in problems if problem["severity"] != "error"]
    assert not errors, f"{len(errors)} errors:\n" + "\n".join(errors + warnings)


def test_the_lint_reports_a_broken_document(tmp_path):
    """The lint above would see a problem: an operation without a summary and a response
    without a description."""
    broken = tmp_path / "broken.json"
    broken.write_text(
        json.dumps(
            {
                "openapi": "3.1.0",
                "info": {"title": "t", "version": "1", "license": {"name": "x"}},
                "servers": [{"url": "https://api.test"}],
                "security": [],
                "paths": {"/a": {"get": {"operationId": "a", "responses": {"200": {}}}}},
            }
        )
    )
    rules = {problem["ruleId"] for problem in lint(broken) if problem["severity"] == "error"}
    assert {"operation-summary", "struct"} <= rules

"""A newcomer's set-up: `make run` installs what running needs and no test tool, serves on
`PORT`, and the development server prints each log line once."""

import json
import os
import re
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
TEST_TOOLS = {"pytest", "pytest-django", "pytest-playwright", "playwright", "schemathesis"}
TEST_TOOLS |= {"factory-boy", "django-zeal", "ruff", "mypy", "django-stubs", "import-linter"}


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\s<>=!~\[;]", requirement, maxsplit=1)[0] for requirement in requirements}


def test_running_needs_no_test_tool_and_the_tests_get_theirs():
    runtime = _names(PYPROJECT["project"]["dependencies"])
    dev = _names(PYPROJECT["project"]["optional-dependencies"]["dev"])
    assert {"django", "djangorestframework", "gunicorn"} <= runtime
    assert not runtime & TEST_TOOLS
    assert {"pytest", "pytest-playwright", "ruff", "mypy"} <= dev


def test_make_run_installs_the_run_set_and_make_test_the_dev_set():
    assert "bash .ci/setup.sh run" in (ROOT / ".ci" / "run-app.sh").read_text()
    assert "bash .ci/setup.sh dev" in (ROOT / ".ci" / "test.sh").read_text()
    setup = (ROOT / ".ci" / "setup.sh").read_text()
    assert 'run) target="."' in setup
    assert 'dev) target=".[dev]"' in setup
    done = subprocess.run(
        ["bash", ".ci/setup.sh", "everything"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    assert "usage: bash .ci/setup.sh run|dev" in done.stderr


def run_app(*, port: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PORT", "CAUSELOOP_BASE_URL"}}
    if port is not None:
        env["PORT"] = port
    return subprocess.run(
        ["bash", ".ci/run-app.sh", "--dry-run"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_port_chooses_where_make_run_serves_and_the_url_it_prints():
    done = run_app(port="8123")
    assert done.returncode == 0, done.stderr
    assert "+ bash .ci/setup.sh run" in done.stdout
    assert "Causeloop is running at http://127.0.0.1:8123/" in done.stdout
    assert "alice@acme.test" in done.stdout
    assert "causeloop-demo" in done.stdout
    assert done.stdout.rstrip().endswith("manage.py runserver 127.0.0.1:8123")
    assert "8000" not in done.stdout


def test_without_port_make_run_serves_on_8000():
    done = run_app(port=None)
    assert done.returncode == 0, done.stderr
    assert "http://127.0.0.1:8000/" in done.stdout
    assert done.stdout.rstrip().endswith("runserver 127.0.0.1:8000")


@pytest.mark.parametrize("port", ["abc", "0", "70000", "80 --insecure"])
def test_a_port_that_is_no_port_is_refused_with_a_message(port):
    done = run_app(port=port)
    assert done.returncode == 2
    assert "PORT must be a port number from 1 to 65535" in done.stderr
    assert "runserver" not in done.stdout


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.slow
def test_the_development_server_prints_each_log_line_once(tmp_path):
    port = _free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "causeloop.settings",
        "PYTHONUNBUFFERED": "1",
    }
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status = _get(f"http://127.0.0.1:{port}/login/")
                break
            except OSError:
                assert time.monotonic() < deadline, "the development server did not start"
                time.sleep(0.3)
        assert status == 200
        assert _get(f"http://127.0.0.1:{port}/no-such-page/") == 404
        time.sleep(0.5)
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    logged = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    # One line per request, ours: not runserver's too, nor Django's "Not Found" beside it.
    requests = [(line["route"], line["status"]) for line in logged if line["event"] == "request"]
    assert requests == [("login/", 200), (None, 404)], output
    assert "no-such-page" not in output  # a path is never logged: paths can carry secrets

"""A pytest plugin (tests/conftest.py loads it): no secret the suite makes ever reaches a log.

For the whole session each process (each xdist worker) writes every log record from INFO up,
as the production JSON lines, to var/test-logs/<worker>.jsonl, while the console stays at
LOG_LEVEL (WARNING); it remembers every secret the suite makes, by wrapping the functions
that make them; and at the end it greps its log for each one. A secret found fails the run,
naming its kind and the line it is on.
"""

from __future__ import annotations

import ast
import inspect
import json
import logging
import logging.config
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from causeloop.core.logs import formatter

ROOT = Path(__file__).resolve().parents[1]
LOG_DIR = ROOT / "var" / "test-logs"
SHORTEST = 8  # a shorter "secret" (a test's throwaway password) could match by chance
# The project's own modules, whose short strings Hypothesis draws test data from.
CODE = ("causeloop", "organizations", "memberships", "onboarding", "webhooks", "directory")


@dataclass(frozen=True)
class Leak:
    kind: str
    line: int
    logger: str
    event: str


def find_leaks(path: Path, secrets: Mapping[str, str]) -> list[Leak]:
    """Every line of the log at `path` holding one of `secrets` (secret → its kind). One grep
    for all of them (fixed strings, Aho–Corasick): a Python loop over thousands of secrets
    would take seconds a worker."""
    patterns: dict[str, str] = {}
    for secret, kind in secrets.items():
        if len(secret) < SHORTEST or "\n" in secret:
            continue
        patterns[secret] = kind
        patterns[json.dumps(secret)[1:-1]] = kind  # as a JSON string writes it, if it differs
    if not patterns or not path.exists():
        return []
    found = subprocess.run(
        ["grep", "--fixed-strings", "--only-matching", "--line-number", "--file=-", str(path)],
        input="\n".join(patterns),
        capture_output=True,
        text=True,
        env={**os.environ, "LC_ALL": "C"},
        check=False,
    )
    if found.returncode > 1:
        raise RuntimeError(f"grep failed: {found.stderr}")
    hits: dict[int, str] = {}  # line number → a secret on it
    for hit in found.stdout.splitlines():
        number, _, secret = hit.partition(":")
        hits.setdefault(int(number), secret)
    leaks = []
    with path.open(encoding="utf-8") as lines:
        for number, text in enumerate(lines, start=1):
            if number in hits:
                secret, kind = hits[number], patterns[hits[number]]
                record = _parsed(text.replace(secret, f"<the {kind}>"))
                leaks.append(
                    Leak(kind, number, record.get("logger", "?"), record.get("event", "?"))
                )
    return leaks


def code_constants() -> set[str]:
    """The short strings written in the project's own modules. Hypothesis, the schema tests'
    fuzzer, draws test data from such constants (at most 20 characters): a password it sent
    may be one — the route `members/` — and the code's own words are in the logs by right."""
    constants = set()
    for package in CODE:
        for path in (ROOT / package).rglob("*.py"):
            constants |= {
                node.value
                for node in ast.walk(ast.parse(path.read_bytes()))
                if isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and len(node.value) <= 20
            }
    return constants


def _not_of_the_code(secrets: Mapping[str, str]) -> dict[str, str]:
    """`secrets` without the passwords that are the code's own strings (`code_constants`)."""
    if not any(kind == "password" for kind in secrets.values()):
        return dict(secrets)
    constants = code_constants()
    return {
        secret: kind
        for secret, kind in secrets.items()
        if not (kind == "password" and secret in constants)
    }


def _parsed(line: str) -> dict[str, str]:
    try:
        record = json.loads(line)
    except ValueError:
        return {}
    if not isinstance(record, dict):
        return {}
    return {key: str(value)[:80] for key, value in record.items()}


def _remembering[**P, R](
    make: Callable[P, R], kind: str, pick: Callable[[R, tuple[Any, ...]], Any], into: dict[str, str]
) -> Callable[P, R]:
    @wraps(make)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        made = make(*args, **kwargs)
        secret = pick(made, args)
        if isinstance(secret, str):
            into[secret] = kind
        return made

    return wrapper


def _module_makers() -> Iterator[tuple[Any, str, str, Callable[[Any, tuple[Any, ...]], Any]]]:
    """(module, function name, kind, how to pick the secret out of its result and arguments)."""
    from directory.services import scim_tokens
    from memberships.services import invite_codes, tokens
    from organizations.services import api_keys
    from webhooks import signing

    yield api_keys, "_issue_api_key", "API key", lambda made, _args: made[1]
    yield tokens, "personal_token_create", "personal token", lambda made, _args: made[1]
    yield scim_tokens, "scim_token_create", "SCIM token", lambda made, _args: made[1]
    yield invite_codes, "_new_invite_code", "invite code", lambda made, _args: made
    yield signing, "new_secret", "webhook secret", lambda made, _args: made


def _class_makers() -> Iterator[tuple[type, str, str, Callable[[Any, tuple[Any, ...]], Any]]]:
    """(class, method name, kind, how to pick the secret out of its result and arguments)."""
    from allauth.account.models import EmailConfirmationHMAC
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.tokens import PasswordResetTokenGenerator
    from django.contrib.sessions.backends.base import SessionBase

    from memberships.models import Invitation

    yield Invitation, "new_token", "invitation token", lambda made, _args: made[0]
    yield PasswordResetTokenGenerator, "make_token", "password reset key", lambda made, _a: made
    yield EmailConfirmationHMAC, "key", "email confirmation key", lambda made, _args: made
    yield SessionBase, "_get_new_session_key", "session key", lambda made, _args: made
    # The raw password: `set_password(self, raw_password)`.
    yield AbstractBaseUser, "set_password", "password", lambda _m, args: (args[1:] or [None])[0]


def remember_secrets(into: dict[str, str]) -> None:
    """From now on, every secret the project makes is added to `into` (secret → kind)."""
    _wrap_functions(into)
    _wrap_methods(into)
    for name in ("SECRET_KEY", "CAUSELOOP_MASTER_KEY", "CAUSELOOP_ROOT_KEY"):
        if getattr(settings, name, ""):
            into[getattr(settings, name)] = f"setting {name}"


def _wrap_functions(into: dict[str, str]) -> None:
    wrappers: dict[int, Any] = {}
    for module, name, kind, pick in _module_makers():
        original = getattr(module, name)
        wrappers[id(original)] = _remembering(original, kind, pick, into)
    # `from module import name` copied the function into other modules: replace it everywhere.
    for loaded in list(sys.modules.values()):
        namespace = getattr(loaded, "__dict__", None)
        if not isinstance(namespace, dict):
            continue
        for name, value in list(namespace.items()):
            if callable(value) and id(value) in wrappers:
                namespace[name] = wrappers[id(value)]


def _wrap_methods(into: dict[str, str]) -> None:
    for cls, name, kind, pick in _class_makers():
        found = inspect.getattr_static(cls, name)
        wrapped: Any
        if isinstance(found, staticmethod):
            wrapped = staticmethod(_remembering(found.__func__, kind, pick, into))
        elif isinstance(found, property):
            wrapped = property(_remembering(found.fget, kind, pick, into))  # type: ignore[arg-type]
        else:
            wrapped = _remembering(found, kind, pick, into)
        setattr(cls, name, wrapped)


class SecretLeaks:
    """The plugin's state in one process: its log file, the secrets made, the leaks found."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        worker = getattr(config, "workerinput", {}).get("workerid")
        # An xdist controller runs no test: it only gathers what its workers found.
        self.runs_tests = worker is not None or not getattr(config.option, "numprocesses", None)
        self.log = LOG_DIR / f"{worker or 'main'}.jsonl"
        self.secrets: dict[str, str] = {}
        self.leaks: list[str] = []
        if self.runs_tests:
            self._start()

    def _start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.log.write_text("")
        # Into the settings' own LOGGING, so that the handler outlives the reconfigurations
        # (each `django.setup()`, as `get_wsgi_application()` runs it, configures LOGGING again).
        config = settings.LOGGING
        config["handlers"]["console"]["level"] = config["root"]["level"]  # as quiet as before
        config["formatters"]["test_log"] = {"()": formatter, "fmt": "json"}
        config["handlers"]["test_log"] = {
            "class": "logging.FileHandler",
            "filename": str(self.log),
            "mode": "a",
            "encoding": "utf-8",
            "level": "INFO",
            "formatter": "test_log",
            "filters": ["hide_paths"],
        }
        config["root"]["handlers"] = [*config["root"]["handlers"], "test_log"]
        config["root"]["level"] = "INFO"
        logging.config.dictConfig(config)
        remember_secrets(self.secrets)

    @pytest.hookimpl(trylast=True)  # after the session's fixtures are torn down (and logged)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.runs_tests:
            self.leaks += [
                f"a {leak.kind} in {self.log.relative_to(LOG_DIR.parents[1])}:{leak.line} "
                f"(logger {leak.logger}, event {leak.event!r})"
                for leak in find_leaks(self.log, _not_of_the_code(self.secrets))
            ]
            if hasattr(self.config, "workeroutput"):
                self.config.workeroutput["secret_leaks"] = self.leaks
        if self.leaks:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        self.leaks += getattr(node, "workeroutput", {}).get("secret_leaks", [])

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.leaks:
            terminalreporter.section("secrets in the logs", sep="=", red=True, bold=True)
            for leak in self.leaks:
                terminalreporter.line(f"leaked: {leak}", red=True)


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(SecretLeaks(config), "secret-leaks")

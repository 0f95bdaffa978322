"""Driving schemathesis through one part of the API in a real organization: the checks every
answer must pass, and one runner — known-good requests first (so each answer the document
promises is seen whatever the fuzzer draws), then the fuzzer's, with the path's names pointing
at real rows."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis.strategies import just
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ensure_resource_availability,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    use_after_free,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
    ignored_auth,
    use_after_free,
    ensure_resource_availability,
]

# schemathesis' own pytest integration (`from_fixture`) does not run on pytest 9 yet, so each
# operation's strategy is driven by Hypothesis here, with bounded, reproducible examples.
EXAMPLES = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
# Fewer for a part of the API run in a real organization: its rows change as it goes.
USAGE_EXAMPLES = settings(EXAMPLES, max_examples=12)

# (path names overriding `real`'s, body or None) of a known-good request, by operation label.
type Known = dict[str, list[tuple[dict[str, Any], Any]]]


def operations_under(api_schema: Any, *parts: str) -> list[Any]:
    """The document's operations whose path holds any of `parts`, removals last (so the
    others still reach the rows they remove)."""
    found = [result.ok() for result in api_schema.get_all_operations()]
    return sorted(
        (operation for operation in found if any(part in operation.path for part in parts)),
        key=lambda operation: operation.method.upper() == "DELETE",
    )


def run_in_organization(
    operations: list[Any],
    *,
    real: dict[str, Any],
    credentials: dict[str, str],
    known: Known | None = None,
    examples: Any = USAGE_EXAMPLES,
) -> set[tuple[str, int]]:
    """Send `known`'s requests, then the fuzzer's, to `operations`, the path's names taken from
    `real`; every answer checked against the document. The (label, status) pairs seen; fails
    naming every operation that broke the document."""
    seen: set[tuple[str, int]] = set()
    for operation in operations:
        for names, body in (known or {}).get(operation.label, []):
            wanted = {name: real[name] for name in re.findall(r"{(\w+)}", operation.path)}
            case = operation.Case(
                path_parameters={**wanted, **names},
                **({"body": body, "media_type": "application/json"} if body else {}),
            )
            response = case.call_and_validate(headers=credentials, checks=CHECKS)
            seen.add((operation.label, response.status_code))
    failures = []
    for operation in operations:

        @examples
        @given(case=operation.as_strategy(), label=just(operation.label))
        def exercise(case: Any, label: str) -> None:
            names = {name: real[name] for name in case.path_parameters or {}}
            case.path_parameters = {**(case.path_parameters or {}), **names}
            response = case.call_and_validate(
                headers={**(case.headers or {}), **credentials}, checks=CHECKS
            )
            seen.add((label, response.status_code))

        try:
            exercise()
        except Exception as error:
            failures.append(f"{operation.method.upper()} {operation.path}: {error}")
    assert not failures, "\n\n".join(failures)
    return seen

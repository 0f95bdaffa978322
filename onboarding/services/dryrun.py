"""Checking an onboarding without writing anything: each check with its verdict."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import connection

from causeloop.core.errors import DomainError
from organizations.models import Organization
from organizations.services.plans import plan_get
from organizations.validation import (
    clean_email,
    clean_name,
    clean_seats,
    clean_slug,
    clean_timezone,
)


def onboard_dryrun(*, values: Mapping[str, object]) -> dict[str, Any]:
    """Check an onboarding's values (by the request's names, as `onboard_values_from` gives
    them) without writing anything: each check with its verdict."""
    results: list[dict[str, Any]] = []

    def record(check_name: str, passed: bool, message: str) -> None:
        results.append({"check_name": check_name, "passed": passed, "message": message})

    checks = [
        (
            "org_name_valid",
            "org_name",
            clean_name,
            {"field": "org_name", "label": "Organization name"},
            "Organization name is valid.",
        ),
        ("slug_format", "org_slug", clean_slug, {"field": "org_slug"}, "Slug format is valid."),
        ("email_format", "owner_email", clean_email, {"field": "owner_email"}, "Email is valid."),
        ("plan_valid", "plan", lambda v: plan_get(v or "free").code, {}, "Plan exists."),
        (
            "timezone_valid",
            "timezone",
            lambda v: clean_timezone(v or "UTC"),
            {},
            "Timezone is valid.",
        ),
    ]
    cleaned: dict[str, Any] = {}
    for check_name, param, fn, kwargs, ok_message in checks:
        value = values.get(param, "free" if param == "plan" else None)
        try:
            cleaned[param] = fn(value, **kwargs)
            record(check_name, True, ok_message)
        except DomainError as error:
            record(check_name, False, error.message)
    if values.get("seats") not in (None, ""):
        try:
            clean_seats(values["seats"])
            record("seats_valid", True, "Seats are valid.")
        except DomainError as error:
            record("seats_valid", False, error.message)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        record("database_connection", True, "Database is reachable.")
        database_ok = True
    except Exception as error:
        record(
            "database_connection", False, f"Database is not reachable: {error.__class__.__name__}"
        )
        database_ok = False
    if "org_slug" in cleaned and database_ok:
        taken = Organization.objects.with_slug(cleaned["org_slug"]).exists()
        record(
            "slug_available",
            not taken,
            f'Slug "{cleaned["org_slug"]}" is available.'
            if not taken
            else f'organization slug "{cleaned["org_slug"]}" is already taken',
        )
    passed = sum(1 for result in results if result["passed"])
    all_passed = passed == len(results)
    return {
        "status": "ready" if all_passed else "invalid",
        "validation_summary": {
            "total_checks": len(results),
            "passed": passed,
            "failed": len(results) - passed,
            "all_passed": all_passed,
        },
        "validation_results": results,
        "ready_for_onboarding": all_passed,
    }

"""Provisioning clients: onboard, validate without writing, suspend, reinstate, purge, inspect.

Every interface (commands, the platform admin, the platform API) calls these functions.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction

from causeloop.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from memberships.models import Membership, User
from memberships.services import membership_activate
from memberships.verification import add_verified_email
from onboarding.lifecycle import organization_provision, organization_purge
from organizations.models import Organization, Plan
from organizations.roles import Role
from organizations.selectors import audit_log_for
from organizations.services.api_keys import api_key_provision
from organizations.services.organizations import (
    organization_reinstate,
    organization_suspend,
    slug_taken_error,
)
from organizations.services.plans import plan_get
from organizations.validation import (
    clean_email,
    clean_name,
    clean_seats,
    clean_slug,
    clean_timezone,
)


@dataclass(frozen=True)
class OnboardRequest:
    """Validated onboarding parameters."""

    org_name: str
    org_slug: str
    owner_email: str
    owner_name: str
    workspace_name: str
    plan: str
    timezone: str
    seats: int | None
    # The Plan row read while validating, so provisioning does not read it again.
    plan_row: Plan | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class OnboardResult:
    org_id: str
    workspace_id: str
    user_id: str
    membership_id: str
    created: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def clean_onboard_request(
    *,
    org_name: object,
    org_slug: object,
    owner_email: object,
    owner_name: object = None,
    workspace_name: object = None,
    plan: object = "free",
    timezone: object = "UTC",
    seats: object = None,
) -> OnboardRequest:
    """Check every parameter; one `ValidationFailed` lists all the fields that are wrong."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}

    def check(key: str, fn: Any, *args: Any, **kwargs: Any) -> None:
        try:
            values[key] = fn(*args, **kwargs)
        except DomainError as error:
            errors[key] = [error.message]

    check("org_name", clean_name, org_name, field="org_name", label="Organization name")
    check("org_slug", clean_slug, org_slug, field="org_slug")
    check("owner_email", clean_email, owner_email, field="owner_email")
    if owner_name not in (None, ""):
        check("owner_name", clean_name, owner_name, field="owner_name", label="Owner name")
    if workspace_name not in (None, ""):
        check(
            "workspace_name",
            clean_name,
            workspace_name,
            field="workspace_name",
            label="Workspace name",
        )
    check("plan_row", plan_get, plan if plan not in (None, "") else "free")
    if "plan_row" in errors:
        errors["plan"] = errors.pop("plan_row")
    check("timezone", clean_timezone, timezone if timezone not in (None, "") else "UTC")
    if seats not in (None, ""):
        check("seats", clean_seats, seats)
    if errors:
        message = "; ".join(f"{field}: {messages[0]}" for field, messages in errors.items())
        raise ValidationFailed(message, fields=errors)
    email = values["owner_email"]
    return OnboardRequest(
        org_name=values["org_name"],
        org_slug=values["org_slug"],
        owner_email=email,
        owner_name=values.get("owner_name") or email.split("@")[0],
        workspace_name=values.get("workspace_name") or values["org_name"],
        plan=values["plan_row"].code,
        timezone=values["timezone"],
        seats=values.get("seats"),
        plan_row=values["plan_row"],
    )


def existing_onboarding(request: OnboardRequest) -> OnboardResult | None:
    """The IDs of an earlier identical onboarding, None if the slug is free; `slug_taken` if
    somebody else has it."""
    organization = (
        Organization.objects.with_slug(request.org_slug).select_related("workspace").first()
    )
    if organization is None:
        return None
    owner = (
        Membership.objects.filter(
            organization=organization, role=Role.OWNER, user__email__iexact=request.owner_email
        )
        .order_by("joined_at")
        .first()
    )
    if owner is None:
        # Named like the parameter, so forms and the API put it next to the slug field.
        raise slug_taken_error(request.org_slug, field="org_slug")
    return OnboardResult(
        org_id=organization.pk,
        workspace_id=organization.workspace.pk,
        user_id=owner.user_id,
        membership_id=owner.pk,
        created=False,
    )


def onboard_client(**params: Any) -> OnboardResult:
    """Provision a client in one transaction: organization, workspace, owner, membership,
    settings, subscription and a `workspace.created` audit row. Idempotent per slug and owner."""
    request = clean_onboard_request(**params)
    # Optimistic: a new slug (the common case) costs no lookup. A slug that exists already (a
    # re-run, somebody else's, or a concurrent onboarding that won) fails the unique index,
    # and only then is the earlier onboarding looked up.
    for attempt in range(2):
        try:
            return _provision(request)
        except IntegrityError:
            existing = existing_onboarding(request)
            if existing is not None:
                return existing
            if attempt:
                raise
            # Not the slug: a concurrent onboarding created the same owner first. Once more,
            # now that the user exists.
    raise AssertionError("unreachable")


def _provision(request: OnboardRequest) -> OnboardResult:
    with transaction.atomic():
        owner = User.objects.by_email(request.owner_email)
        new_owner = owner is None
        if owner is None:
            # Saved by `organization_provision`, in the same statement as the organization.
            owner = User(email=request.owner_email, name=request.owner_name)
            owner.set_unusable_password()
        provisioned = organization_provision(
            name=request.org_name,
            slug=request.org_slug,
            owner=owner,
            plan=request.plan_row or plan_get(request.plan),
            timezone_name=request.timezone,
            seats=request.seats,
            workspace_name=request.workspace_name,
            # A new user has no other membership: this one is active from the start.
            owner_active=new_owner,
        )
        if new_owner:
            add_verified_email(owner)  # the operator vouches for the address they were given
        if not new_owner and not Membership.objects.filter(user=owner, is_active=True).exists():
            membership_activate(membership=provisioned.membership)
    return OnboardResult(
        org_id=provisioned.organization.pk,
        workspace_id=provisioned.workspace.pk,
        user_id=owner.pk,
        membership_id=provisioned.membership.pk,
        created=True,
    )


@transaction.atomic
def onboard_with_api_key(
    *, regenerate_api_key_if_exists: bool = False, **params: Any
) -> tuple[OnboardResult, str]:
    """The platform API's onboarding: `onboard_client` plus the client's first API key (shown
    once). Onboarding an existing client again is refused (`already_onboarded`) unless a new key
    is asked for, which revokes the old ones."""
    result = onboard_client(**params)
    if not result.created and not regenerate_api_key_if_exists:
        raise Conflict(
            f'organization "{params.get("org_slug")}" is already onboarded; pass '
            "regenerate_api_key_if_exists to issue a new API key.",
            code="already_onboarded",
        )
    organization = Organization.objects.get(pk=result.org_id)
    _api_key, secret = api_key_provision(
        organization=organization,
        name="Default key" if result.created else "Regenerated key",
        replace_existing=not result.created,
    )
    return result, secret


def onboard_dryrun(**params: Any) -> dict[str, Any]:
    """Validate an onboarding without writing anything: each check with its verdict."""
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
        value = params.get(param, "free" if param == "plan" else None)
        try:
            cleaned[param] = fn(value, **kwargs)
            record(check_name, True, ok_message)
        except DomainError as error:
            record(check_name, False, error.message)
    if params.get("seats") not in (None, ""):
        try:
            clean_seats(params["seats"])
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


def organization_by_slug(slug: object) -> Organization:
    """The organization with this slug; `no organization with slug "…"` otherwise."""
    organization = Organization.objects.with_slug(slug).first() if isinstance(slug, str) else None
    if organization is None:
        raise NotFound(f'no organization with slug "{slug}"', code="not_found")
    return organization


def offboard_client(*, slug: str, action: str) -> dict[str, Any]:
    """Suspend, reinstate or purge the client with this slug."""
    organization = organization_by_slug(slug)
    if action == "suspend":
        organization_suspend(organization=organization)
    elif action == "reinstate":
        organization_reinstate(organization=organization)
    elif action == "purge":
        org_id = organization.pk
        deleted = organization_purge(organization=organization)
        return {"org_id": org_id, "slug": organization.slug, "status": "purged", "deleted": deleted}
    else:
        raise ValidationFailed(f'unknown action "{action}"; use suspend, reinstate or purge')
    return {"org_id": organization.pk, "slug": organization.slug, "status": organization.status}


def client_summary(slug: str, *, audit_rows: int = 10) -> dict[str, Any]:
    """What the runbook's verification queries show for one client."""
    if (
        isinstance(audit_rows, bool)
        or not isinstance(audit_rows, int)
        or not (0 <= audit_rows <= 1000)
    ):
        message = "The number of audit rows must be between 0 and 1000."
        raise ValidationFailed(message, fields={"audit_rows": [message]})
    organization = organization_by_slug(slug)
    workspace = getattr(organization, "workspace", None)
    owners = Membership.objects.filter(organization=organization, role=Role.OWNER).select_related(
        "user"
    )
    audit_log = audit_log_for(organization)[:audit_rows]
    return {
        "organization": {
            "id": organization.pk,
            "name": organization.name,
            "slug": organization.slug,
            "plan": organization.plan_id,
            "seats": organization.seats,
            "status": organization.status,
            "timezone": organization.timezone,
            "created_at": organization.created_at.isoformat(),
        },
        "workspace": {"id": workspace.pk, "name": workspace.name, "slug": workspace.slug}
        if workspace
        else None,
        "owners": [
            {
                "membership_id": m.pk,
                "user_id": m.user_id,
                "email": m.user.email,
                "role": m.role,
                "is_active": m.is_active,
                "joined_at": m.joined_at.isoformat(),
            }
            for m in owners
        ],
        "members": Membership.objects.filter(organization=organization).count(),
        "audit_log": [
            {
                "id": a.pk,
                "action": a.action,
                "actor": a.actor_name or "platform",
                "target_id": a.target_id,
                "created_at": a.created_at.isoformat(),
            }
            for a in audit_log
        ],
    }

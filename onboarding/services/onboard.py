"""Onboarding a client: the typed `OnboardRequest` every face builds, and the provisioning.

Every interface (the commands, the CSV importer, the platform admin, the platform API) builds
its request with `onboard_request_from` and calls these functions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from django.db import IntegrityError, transaction

from causeloop.core.errors import Conflict, DomainError, ValidationFailed
from memberships.models import Membership, User, unusable_password
from memberships.services.active import membership_activate
from memberships.verification import verified_email_of
from onboarding.fields import Face, onboard_values_from
from onboarding.lifecycle import organization_provision
from onboarding.services.welcome import owner_welcome_queue
from organizations.models import Organization
from organizations.roles import Role
from organizations.services.api_keys import api_key_provision
from organizations.services.organizations import slug_taken_error
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
    """A client to onboard. Empty owner and workspace names are derived from the email and the
    organization's name; `onboard_client` checks every value again, so a request built by hand
    is held to the same rules as one built by `onboard_request_from`."""

    org_name: str
    org_slug: str
    owner_email: str
    owner_name: str = ""
    workspace_name: str = ""
    plan: str = "free"
    timezone: str = "UTC"
    seats: int | None = None
    # Mail the owner a welcome (a link to choose a password, or "you were added").
    send_welcome_email: bool = True


@dataclass(frozen=True)
class OnboardResult:
    org_id: str
    workspace_id: str
    user_id: str
    membership_id: str
    created: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def onboard_request_from(values: Mapping[str, object], *, face: Face) -> OnboardRequest:
    """The request `face`'s values ask for, checked; one `ValidationFailed` lists every field
    that is wrong, by the request's names (`onboard_error_renamed` gives the face's)."""
    return _checked(onboard_values_from(values, face=face))


def _checked(values: Mapping[str, object]) -> OnboardRequest:
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}

    def check(key: str, clean: Callable[..., object], value: object, **kwargs: str) -> None:
        try:
            cleaned[key] = clean(value, **kwargs)
        except DomainError as error:
            errors[key] = [error.message]

    check(
        "org_name", clean_name, values.get("org_name"), field="org_name", label="Organization name"
    )
    check("org_slug", clean_slug, values.get("org_slug"), field="org_slug")
    check("owner_email", clean_email, values.get("owner_email"), field="owner_email")
    for key, label in (("owner_name", "Owner name"), ("workspace_name", "Workspace name")):
        if values.get(key) not in (None, ""):
            check(key, clean_name, values[key], field=key, label=label)
    plan = values.get("plan")
    check("plan", plan_get, plan if plan not in (None, "") else "free")
    timezone = values.get("timezone")
    check("timezone", clean_timezone, timezone if timezone not in (None, "") else "UTC")
    if values.get("seats") not in (None, ""):
        check("seats", clean_seats, values["seats"])
    check("send_welcome_email", _clean_switch, values.get("send_welcome_email"))
    if errors:
        message = "; ".join(f"{field}: {messages[0]}" for field, messages in errors.items())
        raise ValidationFailed(message, fields=errors)
    email = cleaned["owner_email"]
    return OnboardRequest(
        org_name=cleaned["org_name"],
        org_slug=cleaned["org_slug"],
        owner_email=email,
        owner_name=cleaned.get("owner_name") or email.split("@")[0],
        workspace_name=cleaned.get("workspace_name") or cleaned["org_name"],
        plan=cleaned["plan"].code,
        timezone=cleaned["timezone"],
        seats=cleaned.get("seats"),
        send_welcome_email=cleaned["send_welcome_email"],
    )


def _clean_switch(value: object) -> bool:
    """A yes/no value as the faces send it (a checkbox, JSON, a CSV cell); empty means yes."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if value is not None else ""
    if text in ("", "true", "yes", "y", "1", "on"):
        return True
    if text in ("false", "no", "n", "0", "off"):
        return False
    raise ValidationFailed(f'"{value}" is not yes or no.')


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


def onboard_client(*, request: OnboardRequest) -> OnboardResult:
    """Provision a client in one transaction: organization, workspace, owner, membership,
    settings, subscription and a `workspace.created` audit row. Idempotent per slug and owner."""
    request = _checked(asdict(request))
    # Optimistic: a new slug and a new owner (the common case) cost no lookup. A slug that
    # exists already (a re-run, somebody else's, or a concurrent onboarding that won) or an
    # owner who has an account fails a unique index, and only then is anything looked up.
    for attempt in range(3):
        try:
            return _provision(request, owner_is_new=attempt == 0)
        except IntegrityError:
            existing = existing_onboarding(request)
            if existing is not None:
                return existing
            if attempt == 2:
                raise
            # Not the slug: the owner has an account (or, on the second attempt, a concurrent
            # onboarding made it since it was looked up). Once more, with the account.
    raise AssertionError("unreachable")


def _provision(request: OnboardRequest, *, owner_is_new: bool) -> OnboardResult:
    with transaction.atomic():
        owner = None if owner_is_new else User.objects.by_email(request.owner_email)
        new_owner = owner is None
        with_rows = []
        if owner is None:
            # Saved by `organization_provision`, in the same statement as the organization;
            # the operator vouches for the address they were given.
            owner = User(
                email=request.owner_email, name=request.owner_name, password=unusable_password()
            )
            with_rows.append(verified_email_of(owner))
        provisioned = organization_provision(
            name=request.org_name,
            slug=request.org_slug,
            owner=owner,
            plan=plan_get(request.plan),
            timezone_name=request.timezone,
            seats=request.seats,
            workspace_name=request.workspace_name,
            # A new user has no other membership: this one is active from the start.
            owner_active=new_owner,
            with_rows=with_rows,
        )
        if not new_owner and not Membership.objects.filter(user=owner, is_active=True).exists():
            membership_activate(membership=provisioned.membership)
        if request.send_welcome_email:
            owner_welcome_queue(owner=owner, organization=provisioned.organization)
    return OnboardResult(
        org_id=provisioned.organization.pk,
        workspace_id=provisioned.workspace.pk,
        user_id=owner.pk,
        membership_id=provisioned.membership.pk,
        created=True,
    )


@transaction.atomic
def onboard_with_api_key(
    *, request: OnboardRequest, regenerate_api_key_if_exists: bool = False
) -> tuple[OnboardResult, str]:
    """The platform API's onboarding: `onboard_client` plus the client's first API key (shown
    once). Onboarding an existing client again is refused (`already_onboarded`) unless a new key
    is asked for, which revokes the old ones."""
    result = onboard_client(request=request)
    if not result.created and not regenerate_api_key_if_exists:
        raise Conflict(
            f'organization "{request.org_slug}" is already onboarded; pass '
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

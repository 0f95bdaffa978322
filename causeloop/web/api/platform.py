"""The platform API: what operators' tooling calls (root key or a staff user's token).

Dry-run and onboard take the same body; field names follow the platform's contract
(`company_name`, `admin_email`, `subscription_plan`) and errors name those fields.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from causeloop.core.errors import DomainError
from causeloop.core.shown_once import no_store
from causeloop.web.api.base import (
    InputSerializer,
    Integer,
    PlatformEndpoint,
)
from causeloop.web.api.documented import responses
from causeloop.web.api.fields import EmailText, Name, Slug, TimezoneName
from causeloop.web.idempotency import idempotent
from onboarding.fields import Face, onboard_error_renamed, onboard_values_from
from onboarding.purge import organization_purge_queue
from onboarding.services.dryrun import onboard_dryrun
from onboarding.services.onboard import onboard_request_from, onboard_with_api_key
from organizations.models import Organization, Plan, Subscription
from organizations.selectors import organization_by_reference
from organizations.services.organizations import organization_reinstate, organization_suspend
from organizations.services.plans import subscription_sync


class OnboardInput(InputSerializer):
    org_slug = Slug()
    company_name = Name()
    admin_email = EmailText()
    subscription_plan = serializers.ChoiceField(choices=Plan.Code.choices, default=Plan.Code.FREE)
    timezone = TimezoneName(default="UTC")
    seats = Integer(min_value=1, max_value=100_000, required=False)
    regenerate_api_key_if_exists = serializers.BooleanField(default=False)
    send_welcome_email = serializers.BooleanField(
        default=True,
        help_text="Mail the owner a welcome with a link to choose a password (or, if they have "
        "one, a note that they were added).",
    )


class OnboardResultSerializer(serializers.Serializer):
    org_id = serializers.CharField()
    workspace_id = serializers.CharField()
    user_id = serializers.CharField()
    membership_id = serializers.CharField()
    created = serializers.BooleanField()
    api_key = serializers.CharField(help_text="The organization's API key: shown this once.")


DRY_RUN_STATUSES = ["ready", "invalid"]


class CheckSerializer(serializers.Serializer):
    check_name = serializers.CharField()
    passed = serializers.BooleanField()
    message = serializers.CharField()


class SummarySerializer(serializers.Serializer):
    total_checks = serializers.IntegerField()
    passed = serializers.IntegerField()
    failed = serializers.IntegerField()
    all_passed = serializers.BooleanField()


class DryRunSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=DRY_RUN_STATUSES, help_text="`ready` when every check passed, else `invalid`."
    )
    validation_summary = SummarySerializer()
    validation_results = CheckSerializer(many=True)
    ready_for_onboarding = serializers.BooleanField()


class DryRunApi(PlatformEndpoint):
    @extend_schema(
        operation_id="platform_onboard_dryrun",
        summary="Check an onboarding without making anything",
        description=(
            "Platform operators (the root key, or a staff user's token): check an onboarding "
            "without making anything (slug, email, plan, uniqueness, the database), with the "
            "body `POST /organizations/onboard` takes. Answers 200 with the report whether or "
            "not the checks pass: `status` `ready` or `invalid`, and each check's result."
        ),
        request=OnboardInput,
        responses=responses(DryRunSerializer),
    )
    def post(self, request: Request) -> Response:
        # Only the shape is checked here: the report says what is wrong with the values.
        data = request.data if isinstance(request.data, dict) else {}
        return Response(onboard_dryrun(values=onboard_values_from(data, face=Face.API)))


class OnboardApi(PlatformEndpoint):
    created_at = "/api/v1/organizations/{org_id}"

    @extend_schema(
        operation_id="platform_onboard",
        summary="Onboard a client organization",
        description=(
            "Platform operators (the root key, or a staff user's token): onboard a client "
            "(the organization, its workspace and its owner, an account made if the address "
            "has none) and issue its API key, in the response this once. The owner is mailed "
            "a welcome unless `send_welcome_email` is false. An existing organization is 409 "
            "`already_onboarded`, unless `regenerate_api_key_if_exists`: then 200 with a new "
            "key (`created` false). Errors name the fields of this body. Recorded as "
            "`workspace.created` in the new organization's audit log and events."
        ),
        request=OnboardInput,
        responses={
            **responses(OnboardResultSerializer, 409, status=201),
            200: OpenApiResponse(
                OnboardResultSerializer,
                description="Onboarded before: a new API key (`regenerate_api_key_if_exists`)",
            ),
        },
    )
    @no_store  # the new API key
    @idempotent
    def post(self, request: Request) -> Response:
        data = OnboardInput.validated(request.data)
        try:
            result, secret = onboard_with_api_key(
                request=onboard_request_from(data, face=Face.API),
                regenerate_api_key_if_exists=data["regenerate_api_key_if_exists"],
            )
        except DomainError as error:
            raise onboard_error_renamed(error, face=Face.API) from None
        body = {**result.as_dict(), "api_key": secret}
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(OnboardResultSerializer(body).data, status=code)


class SubscriptionInput(InputSerializer):
    plan = serializers.ChoiceField(choices=Plan.Code.choices)
    billing_status = serializers.ChoiceField(choices=Subscription.BillingStatus.choices)
    trial_ends_at = serializers.DateTimeField(required=False, allow_null=True)
    seats = Integer(min_value=1, max_value=100_000, required=False)


class SubscriptionSerializer(serializers.Serializer):
    organization = serializers.CharField(source="organization_id")
    plan = serializers.ChoiceField(source="organization.plan_id", choices=Plan.Code.choices)
    seats = serializers.IntegerField(source="organization.seats")
    billing_status = serializers.ChoiceField(choices=Subscription.BillingStatus.choices)
    trial_ends_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()


class SubscriptionApi(PlatformEndpoint):
    @extend_schema(
        operation_id="platform_subscription_sync",
        summary="Sync an organization's subscription",
        description=(
            "Platform operators (the root key, or a staff user's token): set the "
            "organization's plan, billing status, trial end and seats, from the billing "
            "system; without `seats`, another plan brings its own. `past_due` and `paused` "
            "refuse the organization's API keys (403 `organization_suspended`). Recorded as "
            "`subscription.synced` in the audit log and the events."
        ),
        request=SubscriptionInput,
        responses=responses(SubscriptionSerializer, 404),
    )
    def put(self, request: Request, org: str) -> Response:
        organization = organization_by_reference(org)
        data = SubscriptionInput.validated(request.data)
        subscription = subscription_sync(organization=organization, actor=self.operator, **data)
        return Response(SubscriptionSerializer(subscription).data)


class StatusSerializer(serializers.Serializer):
    id = serializers.CharField()
    slug = serializers.CharField()
    status = serializers.ChoiceField(choices=Organization.Status.choices)
    suspended_at = serializers.DateTimeField(allow_null=True)


class SuspendApi(PlatformEndpoint):
    @extend_schema(
        operation_id="platform_suspend",
        summary="Suspend an organization",
        description=(
            "Platform operators (the root key, or a staff user's token): suspend the "
            "organization, keeping its data; its members and keys are refused (403 "
            "`organization_suspended`) until it is reinstated. A suspended one stays as it "
            "is. Recorded as `organization.suspended` in the audit log and the events."
        ),
        request=None,
        responses=responses(StatusSerializer, 404),
    )
    def post(self, request: Request, org: str) -> Response:
        organization = organization_suspend(
            organization=organization_by_reference(org), actor=self.operator
        )
        return Response(StatusSerializer(organization).data)


class ReinstateApi(PlatformEndpoint):
    @extend_schema(
        operation_id="platform_reinstate",
        summary="Reinstate an organization",
        description=(
            "Platform operators (the root key, or a staff user's token): reinstate a "
            "suspended organization; it is `active` again, for its members and keys. An "
            "active one stays as it is. Recorded as `organization.reinstated` in the audit "
            "log and the events."
        ),
        request=None,
        responses=responses(StatusSerializer, 404),
    )
    def post(self, request: Request, org: str) -> Response:
        organization = organization_reinstate(
            organization=organization_by_reference(org), actor=self.operator
        )
        return Response(StatusSerializer(organization).data)


class PurgingSerializer(serializers.Serializer):
    id = serializers.CharField()
    slug = serializers.CharField()
    status = serializers.ChoiceField(choices=Organization.Status.choices)
    suspended_at = serializers.DateTimeField(allow_null=True)
    purge_started_at = serializers.DateTimeField(
        allow_null=True, help_text="When its purge began; null while it is not being purged."
    )


PURGING = (
    "The organization is suspended at once (its members and keys are refused) and its data "
    "deleted by a background task, in batches; once it is done the organization is gone (404). "
    "User accounts are kept. This cannot be undone."
)


class PurgeApi(PlatformEndpoint):
    @extend_schema(
        operation_id="platform_purge",
        summary="Purge an organization",
        description=(
            "Platform operators (the root key, or a staff user's token): delete the "
            f"organization and everything beneath it. {PURGING} Answers 202 with the "
            "organization as it is now; `GET` the same path to follow it. Asking again while "
            "it is being purged changes nothing."
        ),
        request=None,
        responses=responses(PurgingSerializer, 404, status=202),
    )
    def post(self, request: Request, org: str) -> Response:
        organization = organization_purge_queue(organization=organization_by_reference(org))
        return Response(PurgingSerializer(organization).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        operation_id="platform_purge_show",
        summary="Follow an organization's purge",
        description=(
            "Platform operators: whether the organization is being purged (`purge_started_at`); "
            "404 once it is gone."
        ),
        responses=responses(PurgingSerializer, 404),
    )
    def get(self, request: Request, org: str) -> Response:
        return Response(PurgingSerializer(organization_by_reference(org)).data)

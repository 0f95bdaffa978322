"""An organization's usage (§9): its integrations (provider credentials), its runs and their
quotas, and the usage report."""

from __future__ import annotations

from functools import partial

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from causeloop.web.api.base import (
    InputSerializer,
    OrganizationEndpoint,
    Text,
    cursor_paginated,
    paginated,
)
from causeloop.web.api.documented import (
    IDEMPOTENCY_CONFLICT,
    cursor_page_of,
    page_of,
    responses,
)
from causeloop.web.api.fields import Credential, Name
from causeloop.web.api.permissions import CanManageIntegrations, IsOrgMember
from causeloop.web.idempotency import idempotent
from organizations.models import Integration, Organization, Plan, Run
from organizations.selectors import owned_row
from organizations.services.integrations import (
    IntegrationChanges,
    integration_create,
    integration_delete,
    integration_update,
)
from organizations.services.runs import run_finish, run_start
from organizations.usage import integrations_for, runs_page, usage_of

# --- integrations -----------------------------------------------------------------------------


class IntegrationSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Integration.Kind.choices)
    fingerprint = serializers.CharField(
        source="last_four", help_text="The last four characters of the credential."
    )
    created_by = serializers.CharField(source="created_by_id", allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    credential_changed_at = serializers.DateTimeField()


class IntegrationInput(InputSerializer):
    name = Name()
    kind = serializers.ChoiceField(choices=Integration.Kind.choices)
    credential = Credential()


# A PATCH: only the fields sent change, and the kind never does.
class IntegrationChangesInput(InputSerializer):
    name = Name(required=False)
    credential = Credential(required=False)


_INTEGRATION_CONFLICTS = {
    409: "`integration_name_taken`: another integration has this name; "
    "`provider_limit_reached`: the plan's providers limit is used up "
    f"(`fields.limit` gives it); {IDEMPOTENCY_CONFLICT}",
}


class IntegrationsApi(OrganizationEndpoint):
    permission_classes = [IsAuthenticated, IsOrgMember, CanManageIntegrations]

    @extend_schema(
        operation_id="integrations_list",
        summary="List integrations",
        description=(
            "The organization's integrations, by name, a page at a time (every member and API "
            "keys). The credential is never shown: only its last four characters, as "
            "`fingerprint`."
        ),
        responses=responses(page_of(IntegrationSerializer), 404),
    )
    def get(self, request: Request, organization: Organization) -> Response:
        return paginated(self, integrations_for(organization), IntegrationSerializer)

    @extend_schema(
        operation_id="integrations_create",
        summary="Add an integration",
        description=(
            "Add a provider credential (admins, owners and API keys), within the plan's "
            "providers limit. The credential is stored encrypted and never returned. Recorded "
            "as `integration.created` in the audit log and the events."
        ),
        request=IntegrationInput,
        responses=responses(
            IntegrationSerializer, 404, 409, status=201, meanings=_INTEGRATION_CONFLICTS
        ),
    )
    @idempotent
    def post(self, request: Request, organization: Organization) -> Response:
        data = IntegrationInput.validated(request.data)
        integration = integration_create(
            organization=organization,
            actor=self.actor,
            name=data["name"],
            kind=data["kind"],
            credential=data["credential"],
        )
        return Response(IntegrationSerializer(integration).data, status=status.HTTP_201_CREATED)


class IntegrationApi(OrganizationEndpoint):
    versioned = True  # ETag on its answers, If-Match on its writes
    permission_classes = [IsAuthenticated, IsOrgMember, CanManageIntegrations]

    def _integration(self, organization: Organization, integration_id: str) -> Integration:
        return owned_row(Integration, organization=organization, pk=integration_id)

    @extend_schema(
        operation_id="integrations_show",
        summary="Show an integration",
        description="One integration (every member and API keys); never its credential.",
        responses=responses(IntegrationSerializer, 404),
    )
    def get(self, request: Request, organization: Organization, integration_id: str) -> Response:
        integration = self._integration(organization, integration_id)
        return Response(IntegrationSerializer(integration).data)

    @extend_schema(
        operation_id="integrations_update",
        summary="Change an integration",
        description=(
            "Rename an integration or replace its credential (admins, owners and API keys); "
            "what is not sent stays as it is, and its kind never changes. Recorded as "
            "`integration.updated` in the audit log and the events."
        ),
        request=IntegrationChangesInput,
        responses=responses(IntegrationSerializer, 404, 409, meanings=_INTEGRATION_CONFLICTS),
    )
    def patch(self, request: Request, organization: Organization, integration_id: str) -> Response:
        integration = self._integration(organization, integration_id)
        data = IntegrationChangesInput.validated(request.data)
        changes = IntegrationChanges(name=data.get("name"), credential=data.get("credential"))
        integration = integration_update(integration=integration, actor=self.actor, changes=changes)
        return Response(IntegrationSerializer(integration).data)

    @extend_schema(
        operation_id="integrations_delete",
        summary="Remove an integration",
        description=(
            "Remove an integration (admins, owners and API keys); the runs that used it keep "
            "their history. Recorded as `integration.deleted` in the audit log and the events."
        ),
        responses=responses(None, 404, status=204),
    )
    def delete(self, request: Request, organization: Organization, integration_id: str) -> Response:
        integration_delete(
            integration=self._integration(organization, integration_id), actor=self.actor
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- runs -------------------------------------------------------------------------------------

# A run's state as clients see it: its status, or `timed_out` for one that never reported back.
RUN_STATES = [*Run.Status.values, "timed_out"]
QUOTA_LIMITS = ["daily", "monthly", "concurrent"]
STARTED_BY_TYPES = ["user", "api_key"]
RUN_ENDINGS = [(state.value, state.label) for state in Run.FINISHED]
QUOTA_CODES = ["quota_exceeded"]


class StartedBySerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=STARTED_BY_TYPES)
    id = serializers.CharField()


class RunSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=RUN_STATES, source="state")
    integration = serializers.CharField(source="integration_id", allow_null=True)
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    day = serializers.DateField(help_text="The organization's day the run counted against.")
    started_by = serializers.SerializerMethodField()

    @extend_schema_field(StartedBySerializer(allow_null=True))
    def get_started_by(self, run: Run) -> dict[str, str] | None:
        if run.started_by_api_key_id:
            return {"type": "api_key", "id": run.started_by_api_key_id}
        if run.started_by_user_id:
            return {"type": "user", "id": run.started_by_user_id}
        return None  # the person or key is gone


class LimitsSerializer(serializers.Serializer):
    daily = serializers.IntegerField()
    monthly = serializers.IntegerField()
    concurrent = serializers.IntegerField()
    providers = serializers.IntegerField()
    seats = serializers.IntegerField()


class RemainingSerializer(serializers.Serializer):
    daily = serializers.IntegerField()
    monthly = serializers.IntegerField()
    concurrent = serializers.IntegerField()


class UsageNowSerializer(serializers.Serializer):
    today = serializers.DateField(help_text="The organization's day, in its timezone.")
    month = serializers.RegexField(r"^\d{4}-\d{2}$", help_text="The month, as YYYY-MM.")
    runs_today = serializers.IntegerField()
    runs_this_month = serializers.IntegerField()
    running = serializers.IntegerField()
    limits = LimitsSerializer()
    remaining = RemainingSerializer()


class RunStartedSerializer(serializers.Serializer):
    run = RunSerializer()
    usage = UsageNowSerializer(help_text="The organization's usage, this run counted.")


class RunStartInput(InputSerializer):
    integration = Text(
        max_length=64,
        required=False,
        allow_null=True,
        help_text="The ID of one of the organization's integrations.",
    )
    name = Name(required=False, allow_blank=True)


class RunFinishInput(InputSerializer):
    status = serializers.ChoiceField(choices=RUN_ENDINGS)


class QuotaFieldsSerializer(serializers.Serializer):
    limit = serializers.ChoiceField(choices=QUOTA_LIMITS)


class QuotaErrorDetailSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=QUOTA_CODES)
    message = serializers.CharField()
    fields = QuotaFieldsSerializer()  # type: ignore[assignment]


class QuotaExceededSerializer(serializers.Serializer):
    error = QuotaErrorDetailSerializer()


RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    int,
    OpenApiParameter.HEADER,
    response=[429],
    description="Seconds until the limit allows a run again.",
)


class RunsApi(OrganizationEndpoint):
    created_at = None  # a run is read in the list, finished at `runs/{id}/finish`

    @extend_schema(
        operation_id="runs_list",
        summary="List runs",
        description=(
            "The organization's runs, newest first, a page at a time (every member and API "
            "keys): follow `next` for older ones, `previous` for newer ones (no count). A run "
            "that never reported back shows as `timed_out`."
        ),
        responses=responses(cursor_page_of(RunSerializer), 404),
    )
    def get(self, request: Request, organization: Organization) -> Response:
        return cursor_paginated(self, partial(runs_page, organization), RunSerializer)

    @extend_schema(
        operation_id="runs_start",
        summary="Start a run",
        description=(
            "Start a run (members and API keys) if the plan's daily, monthly and concurrent "
            "limits allow it: the run and the organization's usage. Over a limit: 429 "
            "`quota_exceeded`, `fields.limit` naming it and `Retry-After` the seconds until "
            "it resets. An `integration` that is not the organization's is 400 "
            "`unknown_integration`. With an Idempotency-Key, a retried start counts once. "
            "Sends the event `run.started` (`run.refused` when over a limit); runs are not "
            "audited."
        ),
        parameters=[RETRY_AFTER],
        request=RunStartInput,
        responses={
            **responses(
                RunStartedSerializer,
                404,
                409,
                status=201,
                meanings={409: IDEMPOTENCY_CONFLICT},
            ),
            429: OpenApiResponse(
                QuotaExceededSerializer,
                description="`quota_exceeded`: over the daily, monthly or concurrent limit",
            ),
        },
    )
    @idempotent
    def post(self, request: Request, organization: Organization) -> Response:
        data = RunStartInput.validated(request.data)
        started = run_start(
            organization=organization,
            actor=self.actor,
            integration=data.get("integration"),
            name=data.get("name", ""),
        )
        body = {"run": RunSerializer(started.run).data, "usage": started.usage.as_dict()}
        return Response(body, status=status.HTTP_201_CREATED)


class RunFinishApi(OrganizationEndpoint):
    @extend_schema(
        operation_id="runs_finish",
        summary="Finish a run",
        description=(
            "Record how a run ended: `succeeded`, `failed` or `canceled` (members and API "
            "keys); it stops counting against the concurrent limit. A run finishes once (409 "
            "`run_already_finished`). Sends the event `run.finished`."
        ),
        request=RunFinishInput,
        responses=responses(
            RunSerializer, 404, 409, meanings={409: "`run_already_finished`: it ended before"}
        ),
    )
    def post(self, request: Request, organization: Organization, run_id: str) -> Response:
        run = owned_row(Run, organization=organization, pk=run_id)
        data = RunFinishInput.validated(request.data)
        run = run_finish(run=run, actor=self.actor, status=data["status"])
        return Response(RunSerializer(run).data)


# --- the usage report -------------------------------------------------------------------------


class UsageRemainingSerializer(RemainingSerializer):
    providers = serializers.IntegerField()


class UsageDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    runs = serializers.IntegerField()


class UsageReportSerializer(UsageNowSerializer):
    plan = serializers.ChoiceField(choices=Plan.Code.choices)
    timezone = serializers.CharField()
    remaining = UsageRemainingSerializer()
    history = UsageDaySerializer(many=True, help_text="The last 30 of the organization's days.")


class UsageApi(OrganizationEndpoint):
    @extend_schema(
        operation_id="usage_show",
        summary="Show the organization's usage",
        description=(
            "What the organization has used today and this month, what is running, its limits "
            "and what remains, and its runs per day over its last 30 days (every member and "
            "API keys)."
        ),
        responses=responses(UsageReportSerializer, 404),
    )
    def get(self, request: Request, organization: Organization) -> Response:
        return Response(usage_of(organization).as_dict())

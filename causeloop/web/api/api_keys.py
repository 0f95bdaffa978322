"""An organization's API keys: issue, list, rotate, revoke."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from causeloop.core.shown_once import no_store
from causeloop.web.api.base import (
    InputSerializer,
    Integer,
    OrganizationEndpoint,
    Text,
    paginated,
)
from causeloop.web.api.documented import (
    IDEMPOTENCY_CONFLICT,
    page_of,
    responses,
)
from causeloop.web.api.fields import Name
from causeloop.web.api.permissions import IsOrgAdminToList, IsOrgMember
from causeloop.web.idempotency import idempotent
from organizations.models import ApiKey, Organization
from organizations.selectors import api_keys_for, owned_row
from organizations.services.api_keys import (
    MAX_GRACE_HOURS,
    api_key_create,
    api_key_revoke,
    api_key_rotate,
)


class ApiKeySerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    fingerprint = serializers.CharField(source="last_four")
    scopes = serializers.ListField(child=serializers.CharField())
    created_by = serializers.CharField(source="created_by_id", allow_null=True)
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(
        allow_null=True,
        help_text="When it stops working: its own expiry, or the end of the grace period a "
        "rotation gave it; null: never.",
    )
    last_used_at = serializers.DateTimeField(allow_null=True)
    revoked = serializers.SerializerMethodField()
    state = serializers.ChoiceField(
        choices=ApiKey.State.choices,
        help_text="`active`; `expiring`: it works but stops within "
        f"{MAX_GRACE_HOURS} hours (`expires_at`), as an old key does in the grace period "
        "of a rotation; `expired`; `revoked`.",
    )

    def get_revoked(self, api_key: ApiKey) -> bool:
        return api_key.revoked_at is not None


class NewApiKeySerializer(ApiKeySerializer):
    key = serializers.CharField(help_text="The key itself: shown this once.")


def _new_key(api_key: ApiKey, secret: str, *, status_code: int) -> Response:
    # The secret is no attribute of the key (only its hash is kept): it joins the key's fields.
    return Response({**ApiKeySerializer(api_key).data, "key": secret}, status=status_code)


class ApiKeyInput(InputSerializer):
    name = Name()
    scopes = serializers.ListField(child=Text(max_length=64), max_length=20, required=False)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)


class RotateInput(InputSerializer):
    grace_period_hours = Integer(
        min_value=0,
        max_value=MAX_GRACE_HOURS,
        required=False,
        default=0,
        help_text="How long the old key keeps working beside the new one, in whole hours: 0 "
        f"(the default) stops it at once, up to {MAX_GRACE_HOURS} (a week).",
    )


class ApiKeysApi(OrganizationEndpoint):
    permission_classes = [IsAuthenticated, IsOrgMember, IsOrgAdminToList]

    @extend_schema(
        operation_id="api_keys_list",
        summary="List API keys",
        description=(
            "The organization's API keys, newest first, a page at a time, revoked and expired "
            "ones too (admins, owners and API keys). Only the last four characters of each "
            "key are shown; an old key in the grace period of a rotation is listed with the "
            "moment it stops working."
        ),
        responses=responses(page_of(ApiKeySerializer), 404),
    )
    def get(self, request: Request, organization: Organization) -> Response:
        keys = api_keys_for(organization)
        return paginated(self, keys, ApiKeySerializer)

    @extend_schema(
        operation_id="api_keys_create",
        summary="Create an API key",
        description=(
            "Issue an API key for the organization (admins, owners and API keys). The full "
            "key is in the response this once. It acts as an admin of this organization and "
            "reaches nothing else; send it as `Authorization: Bearer <key>` or `X-API-Key: "
            "<key>`. Recorded as `api_key.created` in the audit log and the events."
        ),
        request=ApiKeyInput,
        responses=responses(
            NewApiKeySerializer,
            404,
            409,
            status=201,
            meanings={
                409: IDEMPOTENCY_CONFLICT,
            },
        ),
    )
    @no_store
    @idempotent
    def post(self, request: Request, organization: Organization) -> Response:
        data = ApiKeyInput.validated(request.data)
        api_key, secret = api_key_create(
            organization=organization,
            actor=self.actor,
            name=data["name"],
            scopes=data.get("scopes"),
            expires_at=data.get("expires_at"),
        )
        return _new_key(api_key, secret, status_code=status.HTTP_201_CREATED)


class ApiKeyRotateApi(OrganizationEndpoint):
    created_at = "{path}/../../{id}"  # the new key

    @extend_schema(
        operation_id="api_keys_rotate",
        summary="Rotate an API key",
        description=(
            "Replace the key with a new one of the same name, scopes and expiry (admins, "
            "owners and API keys); the new key works at once and is in the response this "
            "once. With `grace_period_hours` 0 (the default) the old key is revoked now; "
            "otherwise it keeps working until the grace ends (its `expires_at`, state "
            "`expiring`), so clients can switch without downtime. Recorded as "
            "`api_key.rotated` (and `api_key.revoked` or `api_key.grace_started` for the old "
            "key) in the audit log and the events."
        ),
        request=RotateInput,
        responses=responses(
            NewApiKeySerializer,
            404,
            409,
            status=201,
            meanings={
                400: "`grace_period_hours` is not a whole number from 0 to "
                f"{MAX_GRACE_HOURS}; nothing changed",
                409: "`api_key_revoked`: the key is revoked or expired (create a new one), "
                "or an idempotency key conflict",
            },
        ),
    )
    @no_store
    @idempotent
    def post(self, request: Request, organization: Organization, key_id: str) -> Response:
        api_key = owned_row(ApiKey, organization=organization, pk=key_id)
        data = RotateInput.validated(request.data)
        new_key, secret = api_key_rotate(
            api_key=api_key, actor=self.actor, grace_period_hours=data["grace_period_hours"]
        )
        return _new_key(new_key, secret, status_code=status.HTTP_201_CREATED)


class ApiKeyApi(OrganizationEndpoint):
    @extend_schema(
        operation_id="api_keys_revoke",
        summary="Revoke an API key",
        description=(
            "Revoke the key (admins, owners and API keys): requests made with it are refused "
            "from now on; revoking a revoked key changes nothing. Recorded as "
            "`api_key.revoked` in the audit log and the events."
        ),
        responses=responses(None, 404, status=204),
    )
    def delete(self, request: Request, organization: Organization, key_id: str) -> Response:
        api_key = owned_row(ApiKey, organization=organization, pk=key_id)
        api_key_revoke(api_key=api_key, actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)

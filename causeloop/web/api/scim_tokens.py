"""An organization's SCIM tokens (§11): list, create (the token shown once), revoke. Admins,
owners and API keys only. The tokens themselves are for `/scim/v2/`, not for this API."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from causeloop.core.shown_once import no_store
from causeloop.web.api.base import (
    InputSerializer,
    OrganizationEndpoint,
    paginated,
)
from causeloop.web.api.documented import (
    IDEMPOTENCY_CONFLICT,
    page_of,
    responses,
)
from causeloop.web.api.fields import Name
from causeloop.web.api.permissions import IsOrgAdmin
from causeloop.web.idempotency import idempotent
from directory.models import ScimToken
from directory.selectors.scim import scim_tokens_for
from directory.services.scim_tokens import MAX_USABLE_TOKENS, scim_token_create, scim_token_revoke
from organizations.models import Organization
from organizations.selectors import owned_row

_WHO = "Admins, owners and API keys."


class ScimTokenSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    fingerprint = serializers.CharField(source="last_four", help_text="Its last 4 characters.")
    created_by = serializers.CharField(source="created_by_id", allow_null=True)
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(
        allow_null=True, help_text="The directory's last request with it (to the minute)."
    )
    revoked = serializers.SerializerMethodField()

    def get_revoked(self, token: ScimToken) -> bool:
        return token.revoked_at is not None


class NewScimTokenSerializer(ScimTokenSerializer):
    token = serializers.CharField(help_text="The token itself (`scim_…`): shown this once.")
    scim_base_url = serializers.CharField(
        help_text="The SCIM service's base URL, for the identity provider's settings."
    )


class ScimTokenInput(InputSerializer):
    name = Name(help_text="Whose it is, e.g. the identity provider's name.")


class ScimTokenApiBase(OrganizationEndpoint):
    permission_classes = [IsAuthenticated, IsOrgAdmin]


class ScimTokensApi(ScimTokenApiBase):
    @extend_schema(
        operation_id="scim_tokens_list",
        summary="List the SCIM tokens",
        description=(
            f"The organization's SCIM tokens, newest first, revoked ones included. {_WHO} Only "
            "the last four characters of each token are shown."
        ),
        responses=responses(page_of(ScimTokenSerializer), 404),
    )
    def get(self, request: Request, organization: Organization) -> Response:
        return paginated(self, scim_tokens_for(organization), ScimTokenSerializer)

    @extend_schema(
        operation_id="scim_tokens_create",
        summary="Create a SCIM token",
        description=(
            f"A token for the organization's identity provider to sync its people over SCIM "
            f"2.0 at `scim_base_url`, as `Authorization: Bearer <token>`. {_WHO} The token is "
            f"in the response this once. At most {MAX_USABLE_TOKENS} tokens work at a time. "
            f"Recorded as `scim_token.created` in the audit log and the events."
        ),
        request=ScimTokenInput,
        responses=responses(
            NewScimTokenSerializer,
            404,
            409,
            status=201,
            meanings={
                409: f"`scim_token_limit`: revoke a token first; {IDEMPOTENCY_CONFLICT}",
            },
        ),
    )
    @no_store
    @idempotent
    def post(self, request: Request, organization: Organization) -> Response:
        data = ScimTokenInput.validated(request.data)
        token, secret = scim_token_create(
            organization=organization, actor=self.actor, name=data["name"]
        )
        body = {
            **ScimTokenSerializer(token).data,
            "token": secret,
            "scim_base_url": request.build_absolute_uri(reverse("scim-root")),
        }
        return Response(body, status=status.HTTP_201_CREATED)


class ScimTokenApi(ScimTokenApiBase):
    @extend_schema(
        operation_id="scim_tokens_revoke",
        summary="Revoke a SCIM token",
        description=(
            f"Revoke the token: the identity provider's requests with it are refused from now "
            f"on. {_WHO} Recorded as `scim_token.revoked` in the audit log and the events."
        ),
        responses=responses(None, 404, status=204),
    )
    def delete(self, request: Request, organization: Organization, token_id: str) -> Response:
        token = owned_row(ScimToken, organization=organization, pk=token_id)
        scim_token_revoke(token=token, actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)

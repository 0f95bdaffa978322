"""`POST /api/v1/governance/rtbf/requests`: the right to be forgotten, with consent.

`scope: "account"` (the default) erases an account everywhere: a platform action (the root
key or a staff user's token). `scope: "organization"` forgets a person in one organization the
caller administers, and never touches the account. A person erases their own account with
`DELETE /api/v1/me` (`causeloop.web.api.accounts.MeApi`). The rules are
`memberships.services.erasure`'s.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from causeloop.core.errors import Forbidden, NotFound
from causeloop.web.api.base import (
    PLATFORM_AUTHENTICATION,
    ApiView,
    InputSerializer,
    Text,
)
from causeloop.web.api.documented import (
    responses,
)
from causeloop.web.api.fields import EmailText
from causeloop.web.api.permissions import IsPlatformOperator
from causeloop.web.api.schema import AutoSchema
from causeloop.web.authentication import RootOperator
from memberships.services.erasure import account_erase, member_erase


class ErasureInput(InputSerializer):
    email = EmailText()
    mode = serializers.ChoiceField(choices=["erasure"])
    scope = serializers.ChoiceField(
        choices=["account", "organization"],
        default="account",
        help_text=(
            "`account`: erase the account everywhere (platform operators only; a staff account "
            "only by a superuser). `organization`: remove the person from `organization` and "
            "forget them in its audit rows (its admins); the account is not touched."
        ),
    )
    organization = Text(
        max_length=64, required=False, help_text="ID or slug; required with scope organization."
    )

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if data["scope"] == "organization" and not data.get("organization"):
            raise serializers.ValidationError({"organization": ["Name the organization."]})
        if data["scope"] == "account" and "organization" in data:
            raise serializers.ValidationError(
                {"organization": ["Only a request with scope organization names one."]}
            )
        return data


class ErasureResultSerializer(serializers.Serializer):
    """What an erasure removed."""

    status = serializers.ChoiceField(choices=["erased"])
    scope = serializers.ChoiceField(
        choices=["account", "organization"], help_text="What was erased: see the request's."
    )
    memberships_removed = serializers.IntegerField(
        help_text="The person's memberships removed (at most 1 with scope organization)."
    )
    invitations_removed = serializers.IntegerField(
        help_text="Invitations to the person's address removed."
    )
    audit_rows_scrubbed = serializers.IntegerField(
        help_text="Audit rows that kept the action and lost the person."
    )


class EraseMeInput(InputSerializer):
    """`DELETE /me`: the password that confirms it."""

    password = Text(max_length=4096, trim_whitespace=False)


class BodyOnDeleteSchema(AutoSchema):
    """drf-spectacular documents request bodies for POST, PUT and PATCH only; `DELETE /me`
    carries the password that confirms it."""

    def _get_request_body(self, direction: str = "request") -> Any:
        if self.method != "DELETE":
            return super()._get_request_body(direction)
        self.method = "POST"
        try:
            return super()._get_request_body(direction)
        finally:
            self.method = "DELETE"


class ErasureApi(ApiView):
    authentication_classes = PLATFORM_AUTHENTICATION

    @extend_schema(
        operation_id="rtbf_erase",
        summary="Erase a person's data",
        description=(
            'Erase a person\'s data (the right to be forgotten). `scope: "account"` (the '
            "default; platform operators only: the root key or a staff user's token, else 403 "
            "`permission_denied`) erases the account everywhere: name and email anonymised, "
            "memberships, tokens and invitations to the address removed, audit rows keep the "
            "action but not the person. A staff account is erased only by a superuser (403 "
            '`staff_account_protected`). `scope: "organization"` (the organization\'s admins, '
            "owners and API keys; only owners forget an owner) removes the person from that "
            "organization and forgets them in its audit rows; the account is not touched. "
            "Nobody known by that address is 404 `person_not_found`; the last owner of an "
            "organization stays (409 `last_owner`). Recorded as `member.erased` in each "
            "organization the person leaves."
        ),
        request=ErasureInput,
        responses=responses(ErasureResultSerializer, 404, 409),
        examples=[
            OpenApiExample(
                "Erase an account (platform)",
                value={"email": "person@example.com", "mode": "erasure"},
                request_only=True,
            ),
            OpenApiExample(
                "Forget a person in one organization (its admins)",
                value={
                    "email": "person@example.com",
                    "mode": "erasure",
                    "scope": "organization",
                    "organization": "acme",
                },
                request_only=True,
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        data = ErasureInput.validated(request.data)
        if data["scope"] == "organization":
            if isinstance(request.user, RootOperator):  # no organization of its own to act in
                raise NotFound("Organization not found.")
            organization, _role = self.enter_organization(data["organization"])
            result = member_erase(organization=organization, actor=self.actor, email=data["email"])
        else:
            if not IsPlatformOperator().has_permission(request, self):
                raise Forbidden(
                    "Erasing an account is a platform action. Remove a person from your "
                    'organization with scope "organization"; erase your own account with '
                    "DELETE /api/v1/me.",
                    code="permission_denied",
                )
            result = account_erase(email=data["email"], operator=self.operator)
        return Response(ErasureResultSerializer(result).data)

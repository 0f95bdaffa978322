"""Invite codes and their rules (SPEC §11): create with a role, a use cap, an email domain and
an expiry; list with their uses and state; deactivate; join."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from causeloop.web.api.base import (
    ApiView,
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
from causeloop.web.api.invitations import JoinResultSerializer, joined_result
from causeloop.web.api.permissions import IsOrgAdminToList, IsOrgMember
from causeloop.web.idempotency import idempotent
from causeloop.web.throttling import throttles
from memberships.models import InviteCode
from memberships.selectors import invite_code_by_reference, invite_codes_of
from memberships.services.invite_codes import (
    MAX_USES_CAP,
    invite_code_create,
    invite_code_deactivate,
    invite_code_join,
)
from organizations.models import Organization
from organizations.roles import INVITABLE_ROLE_CHOICES


class InviteCodeSerializer(serializers.Serializer):
    id = serializers.CharField()
    code = serializers.CharField()
    role = serializers.ChoiceField(
        choices=INVITABLE_ROLE_CHOICES, help_text="The role people who join with it get."
    )
    max_uses = serializers.IntegerField(
        allow_null=True, help_text="How many people may join with it; null: no cap."
    )
    uses = serializers.IntegerField(help_text="How many people joined with it.")
    uses_left = serializers.IntegerField(
        allow_null=True, help_text="How many more may join with it; null: no cap."
    )
    email_domain = serializers.SerializerMethodField(
        help_text="Only addresses on this domain may join with it; null: any address."
    )
    state = serializers.ChoiceField(
        choices=InviteCode.State.choices,
        help_text="Whether people can join with it now, or why not.",
    )
    is_active = serializers.BooleanField(help_text="False once deactivated.")
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()

    def get_email_domain(self, invite_code: InviteCode) -> str | None:
        return invite_code.email_domain or None


class InviteCodeInput(InputSerializer):
    role = serializers.ChoiceField(
        choices=INVITABLE_ROLE_CHOICES,
        required=False,
        help_text="The role it grants: `member` unless told; at most your own, never owner.",
    )
    max_uses = Integer(
        min_value=1,
        max_value=MAX_USES_CAP,
        required=False,
        allow_null=True,
        help_text="How many people may join with it; leave out (or null) for no cap.",
    )
    email_domain = Text(
        max_length=253,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text=(
            "Only people whose address is on this domain (`acme.com`) may join with it; leave "
            "out (or null) for any address."
        ),
    )
    expires_in_days = Integer(
        min_value=1, max_value=90, required=False, help_text="Days until it expires (7 unless told)"
    )


class InviteCodesApi(OrganizationEndpoint):
    permission_classes = [IsAuthenticated, IsOrgMember, IsOrgAdminToList]

    @extend_schema(
        operation_id="invite_codes_list",
        summary="List invite codes",
        description=(
            "The organization's invite codes, newest first, a page at a time, with their "
            "rules, their uses and their state, deactivated and expired ones too (admins, "
            "owners and API keys)."
        ),
        responses=responses(page_of(InviteCodeSerializer), 404),
    )
    def get(self, request: Request, organization: Organization) -> Response:
        codes = invite_codes_of(organization)
        return paginated(self, codes, InviteCodeSerializer)

    @extend_schema(
        operation_id="invite_codes_create",
        summary="Create an invite code",
        description=(
            "Create an invite code to share (admins, owners and API keys): anyone signed in "
            "who enters it joins, as the role it grants, until it expires, is used up or is "
            "deactivated. With `max_uses`, exactly that many people can join with it, however "
            "many try at once; with `email_domain`, only addresses on that domain. Recorded "
            "as `invite_code.created` in the audit log and the events."
        ),
        request=InviteCodeInput,
        responses=responses(
            InviteCodeSerializer,
            404,
            409,
            status=201,
            meanings={
                400: "Invalid input: a role that is not one of admin, analyst, member; uses, "
                "domain or expiry out of range",
                403: "Not an admin or owner, a role above your own, or a suspended organization",
                409: IDEMPOTENCY_CONFLICT,
            },
        ),
    )
    @idempotent
    def post(self, request: Request, organization: Organization) -> Response:
        data = InviteCodeInput.validated(request.data)
        invite_code = invite_code_create(organization=organization, actor=self.actor, **data)
        return Response(InviteCodeSerializer(invite_code).data, status=status.HTTP_201_CREATED)


class InviteCodeApi(OrganizationEndpoint):
    @extend_schema(
        operation_id="invite_codes_deactivate",
        summary="Deactivate an invite code",
        description=(
            "Deactivate an invite code, by its ID or the code itself (admins, owners and API "
            "keys); nobody can join with it any more, and the people who did stay. Recorded "
            "as `invite_code.deactivated` in the audit log and the events."
        ),
        responses=responses(None, 404, status=204),
    )
    def delete(self, request: Request, organization: Organization, code_id: str) -> Response:
        invite_code = invite_code_by_reference(organization, code_id)
        invite_code_deactivate(invite_code=invite_code, actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InviteCodeJoinApi(ApiView):
    created_at = "/api/v1/organizations/{organization[id]}/members/{membership_id}"

    def get_throttles(self) -> list[Any]:
        return throttles("join")

    @extend_schema(
        operation_id="invite_codes_join",
        summary="Join with an invite code",
        description=(
            "Join the code's organization as the role the code grants; it becomes your active "
            "organization. A code restricted to an email domain lets in only addresses on it; "
            "a capped code refuses once its uses are taken (a refused join takes no use). "
            "Anyone signed in (an organization API key gets 404); rate limited (429). "
            "Recorded as `member.joined` in the audit log and the events."
        ),
        request=None,
        responses=responses(
            JoinResultSerializer,
            404,
            409,
            410,
            429,
            status=201,
            meanings={
                403: "`invite_code_domain_mismatch`: your address is not on the code's email "
                "domain; or the organization is suspended or awaiting approval",
                404: "`invalid_invite_code`: no such code, or it was deactivated",
                409: "`already_a_member`, or `seat_limit_reached`",
                410: "`invite_code_expired`, or `invite_code_used_up`: every use is taken",
            },
        ),
    )
    def post(self, request: Request, code: str) -> Response:
        membership = invite_code_join(code=code, user=self.person)
        return Response(
            JoinResultSerializer(joined_result(membership)).data, status=status.HTTP_201_CREATED
        )

"""An organization's members: list, add, change role, remove, transfer ownership."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from causeloop.core.errors import NotFound, ValidationFailed
from causeloop.core.shown_once import no_store
from causeloop.web.api.accounts import UserSerializer
from causeloop.web.api.base import (
    InputSerializer,
    OrganizationEndpoint,
    Text,
    paginated,
)
from causeloop.web.api.documented import (
    page_of,
    query_text,
    responses,
)
from causeloop.web.api.fields import EmailText
from causeloop.web.api.invitations import NewInvitationSerializer, _new_invitation
from causeloop.web.api.permissions import IsPlatformOperator
from causeloop.web.authentication import (
    BearerTokenAuthentication,
    RootKeyAuthentication,
    RootOperator,
    SessionAuthentication,
)
from causeloop.web.idempotency import idempotent
from causeloop.web.throttling import invitation_mail
from directory.services.domain_joins import member_add_or_invite
from memberships.models import Membership
from memberships.selectors import members_of
from memberships.services.members import (
    membership_add,
    membership_change_role,
    membership_remove,
    ownership_transfer,
)
from organizations.models import Organization
from organizations.roles import INVITABLE_ROLE_CHOICES, Role
from organizations.selectors import owned_row


class MemberSerializer(serializers.Serializer):
    id = serializers.CharField()
    user = UserSerializer()
    role = serializers.ChoiceField(choices=Role.choices)
    is_active = serializers.BooleanField()
    joined_at = serializers.DateTimeField()
    invited_by = serializers.CharField(source="invited_by_id", allow_null=True)


class MemberAddInput(InputSerializer):
    email = EmailText()
    role = serializers.ChoiceField(
        choices=INVITABLE_ROLE_CHOICES, help_text="Nobody joins as an owner: transfer ownership."
    )


class MemberChangeInput(InputSerializer):
    role = serializers.ChoiceField(choices=Role.choices)


MemberOrInvitation = PolymorphicProxySerializer(
    component_name="MemberOrInvitation",
    serializers=[MemberSerializer, NewInvitationSerializer],
    resource_type_field_name=None,
)


class MembersApi(OrganizationEndpoint):
    # The root key may add members (`POST`); everything else here is for members, whose
    # credentials win when a request carries both.
    authentication_classes = [
        BearerTokenAuthentication,
        SessionAuthentication,
        RootKeyAuthentication,
    ]
    by_platform = False

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        self.by_platform = request.method == "POST" and IsPlatformOperator().has_permission(
            request, self
        )
        if not self.by_platform and isinstance(request.user, RootOperator):
            raise NotFound("Organization not found.")  # a member's view: the root key is none
        super().initial(request, *args, **kwargs)

    def prepare(self, request: Request, **kwargs: Any) -> None:
        if not self.by_platform:
            super().prepare(request, **kwargs)
            return
        self.organization = self.enter_any_organization(kwargs["org"])
        self.hand_over(self.organization)

    @extend_schema(
        operation_id="members_list",
        summary="List the members",
        description=(
            "The organization's members, a page at a time (every member sees them): filter by "
            "`role`, search by part of the email. An unknown role is 400."
        ),
        parameters=[
            OpenApiParameter("role", str, enum=Role.values, description="Only this role."),
            query_text("search", "Part of the member's email."),
        ],
        responses=responses(page_of(MemberSerializer), 404),
    )
    def get(self, request: Request, organization: Organization) -> Response:
        role = request.query_params.get("role") or None
        if role is not None and role not in Role.values:
            raise_invalid("role", f"Choose one of {', '.join(Role.values)}.")
        search = request.query_params.get("search", "").strip()[:254]
        members = members_of(organization, role=role, email_contains=search)
        return paginated(self, members, MemberSerializer)

    @extend_schema(
        operation_id="members_add",
        summary="Add a member, or invite them",
        description=(
            "Nobody joins an organization without consent. An organization's admin (or its API "
            "key) adds a person directly (201 with the **membership**) only "
            "when the address belongs to an account whose address is verified and its domain is "
            "one this organization verified (`…/domains`): the domain is the company's consent. "
            "Otherwise an invitation is created and mailed instead (201 with the "
            "**invitation** and its `accept_url`, as `POST …/invitations`). Either way the role "
            "is at most the caller's and never `owner`. Platform operators (the root key, a "
            "staff user's token) add an existing user directly (201 with the membership; 404 "
            "`user_not_found` without one). A member already is 409 `already_a_member`, a "
            "pending invitation 409 `already_invited`, full seats 409 `seat_limit_reached`; "
            "rate limited with the invitations (429). Recorded as `member.joined` or "
            "`member.invited` in the audit log and the events."
        ),
        request=MemberAddInput,
        responses=responses(MemberOrInvitation, 404, 409, 429, status=201),
    )
    @no_store  # an invitation's accept link holds its token
    @idempotent
    def post(self, request: Request, organization: Organization) -> Response:
        data = MemberAddInput.validated(request.data)
        if self.by_platform:
            membership = membership_add(organization=organization, actor=self.operator, **data)
            return Response(MemberSerializer(membership).data, status=status.HTTP_201_CREATED)
        # A direct add counts against the invitation limits too: both bring a person in.
        with invitation_mail(request, organization=organization, email=data["email"]):
            outcome = member_add_or_invite(organization=organization, actor=self.actor, **data)
        if outcome.invitation is not None:
            response = _new_invitation(outcome.invitation, outcome.token)
            response["Location"] = request.build_absolute_uri(
                f"{request.path.removesuffix('/members')}/invitations/{outcome.invitation.pk}"
            )
            return response
        return Response(MemberSerializer(outcome.membership).data, status=status.HTTP_201_CREATED)


class MemberApi(OrganizationEndpoint):
    def _membership(self, organization: Organization, member_id: str) -> Membership:
        return owned_row(Membership, organization=organization, pk=member_id)

    @extend_schema(
        operation_id="members_change_role",
        summary="Change a member's role",
        description=(
            "Change a member's role (admins, owners and API keys). Nobody grants a role above "
            "their own, and only owners make or demote owners (403 `permission_denied`); the "
            "last owner stays one (409 `last_owner`). Recorded as `member.role_changed` in "
            "the audit log and the events."
        ),
        request=MemberChangeInput,
        responses=responses(MemberSerializer, 404, 409),
    )
    def patch(self, request: Request, organization: Organization, member_id: str) -> Response:
        membership = self._membership(organization, member_id)
        data = MemberChangeInput.validated(request.data)
        membership = membership_change_role(
            membership=membership, actor=self.actor, role=data["role"]
        )
        return Response(MemberSerializer(membership).data)

    @extend_schema(
        operation_id="members_remove",
        summary="Remove a member, or leave",
        description=(
            "Remove a member (admins, owners and API keys; only owners remove owners), or "
            "leave the organization yourself (any member, naming your own membership). The "
            "last owner cannot go (409 `last_owner`). The person's account stays, and their "
            "next organization becomes their active one. Recorded as `member.removed` or "
            "`member.left` in the audit log and the events."
        ),
        responses=responses(None, 404, 409, status=204),
    )
    def delete(self, request: Request, organization: Organization, member_id: str) -> Response:
        membership_remove(membership=self._membership(organization, member_id), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TransferInput(InputSerializer):
    membership_id = Text(max_length=64)


class TransferOwnershipApi(OrganizationEndpoint):
    @extend_schema(
        operation_id="organizations_transfer_ownership",
        summary="Hand the ownership to another member",
        description=(
            "Hand the ownership to another member (owners only: admins and API keys are "
            "refused with 403): they become an owner and you an admin. Naming your own "
            "membership is 409 `already_owner`. Recorded as `ownership.transferred` in the "
            "audit log and the events."
        ),
        request=TransferInput,
        responses=responses(MemberSerializer, 404, 409),
    )
    def post(self, request: Request, organization: Organization) -> Response:
        data = TransferInput.validated(request.data)
        membership = owned_row(Membership, organization=organization, pk=data["membership_id"])
        membership = ownership_transfer(
            organization=organization,
            actor=self.actor,
            membership=membership,
            confirm_slug=organization.slug,  # addressing it in the path is the confirmation
        )
        return Response(MemberSerializer(membership).data)


def raise_invalid(field: str, message: str) -> None:
    raise ValidationFailed(f"{field}: {message}", fields={field: [message]})

"""Invitations: issue, resend, revoke, accept (invite codes: `web.api.invite_codes`)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from causeloop.core.shown_once import no_store
from causeloop.web.api.accounts import OrganizationSummarySerializer
from causeloop.web.api.base import (
    ApiView,
    InputSerializer,
    OrganizationEndpoint,
    paginated,
)
from causeloop.web.api.documented import (
    page_of,
    responses,
)
from causeloop.web.api.fields import EmailText
from causeloop.web.api.permissions import IsOrgAdminToList, IsOrgMember
from causeloop.web.idempotency import idempotent
from causeloop.web.throttling import invitation_mail, throttles
from memberships.links import invitation_url
from memberships.models import Invitation, Membership
from memberships.selectors import (
    invitation_addressed_to,
    pending_invitations_of,
)
from memberships.services.invitations import (
    invitation_accept,
    invitation_by_token,
    invitation_create,
    invitation_resend,
    invitation_revoke,
)
from organizations.models import Organization
from organizations.roles import INVITABLE_ROLE_CHOICES, Role
from organizations.selectors import owned_row

# An invitation's state as people describe it: its status, or `expired` for a pending one
# past its expiry (`Invitation.state`).
INVITATION_STATES = [
    (Invitation.Status.PENDING.value, Invitation.Status.PENDING.label),
    ("expired", "Expired"),
    (Invitation.Status.ACCEPTED.value, Invitation.Status.ACCEPTED.label),
    (Invitation.Status.REVOKED.value, Invitation.Status.REVOKED.label),
]


class InvitationSerializer(serializers.Serializer):
    id = serializers.CharField()
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Role.choices)
    state = serializers.ChoiceField(choices=INVITATION_STATES)
    invited_by = serializers.CharField(source="invited_by_id", allow_null=True)
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    delivery = serializers.ChoiceField(
        choices=Invitation.Delivery.choices,
        help_text="How far the invitation's email got: queued for sending, sent, or failed.",
    )
    delivery_error = serializers.CharField(help_text="Why the email failed; empty otherwise.")
    delivery_at = serializers.DateTimeField(
        allow_null=True, help_text="When the last sending attempt ended."
    )


class NewInvitationSerializer(InvitationSerializer):
    accept_url = serializers.CharField()


class PublicInvitationSerializer(serializers.Serializer):
    organization = serializers.CharField(source="organization.name")
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Role.choices)
    inviter = serializers.CharField(source="invited_by.display_name", allow_null=True)
    expires_at = serializers.DateTimeField()
    state = serializers.ChoiceField(choices=INVITATION_STATES)


class JoinResultSerializer(serializers.Serializer):
    membership_id = serializers.CharField()
    organization = OrganizationSummarySerializer()


def joined_result(membership: Membership) -> dict[str, Any]:
    return {"membership_id": membership.pk, "organization": membership.organization}


class InviteInput(InputSerializer):
    email = EmailText()
    role = serializers.ChoiceField(choices=INVITABLE_ROLE_CHOICES, default=Role.MEMBER)


def _new_invitation(invitation: Invitation, token: str) -> Response:
    # The token is no attribute of the invitation (only its hash is kept): the link joins
    # the invitation's fields.
    accept_url = invitation_url(token)
    body = {**InvitationSerializer(invitation).data, "accept_url": accept_url}
    return Response(body, status=status.HTTP_201_CREATED)


class InvitationsApi(OrganizationEndpoint):
    permission_classes = [IsAuthenticated, IsOrgMember, IsOrgAdminToList]

    @extend_schema(
        operation_id="invitations_list",
        summary="List pending invitations",
        description=(
            "The organization's pending invitations, newest first, a page at a time, expired "
            "ones included (they can be sent again), each with how far its email got "
            "(`delivery`) (admins, owners and API keys)."
        ),
        responses=responses(page_of(InvitationSerializer), 404),
    )
    def get(self, request: Request, organization: Organization) -> Response:
        return paginated(self, pending_invitations_of(organization), InvitationSerializer)

    @extend_schema(
        operation_id="invitations_create",
        summary="Invite someone",
        description=(
            "Invite someone by email, with a role up to your own but never owner (admins, "
            "owners and API keys); the role `owner` is 400. The invitation is mailed, and the "
            "response holds its accept link (`accept_url`) this once. One pending invitation "
            "per address (409 `already_invited`); a member already is 409 "
            "`already_a_member`, and members with pending invitations never outnumber the "
            "seats (409 `seat_limit_reached`). Rate limited (429). Recorded as "
            "`member.invited` in the audit log and the events."
        ),
        request=InviteInput,
        responses=responses(NewInvitationSerializer, 404, 409, 429, status=201),
    )
    @no_store  # the accept link holds the invitation's token
    @idempotent
    def post(self, request: Request, organization: Organization) -> Response:
        data = InviteInput.validated(request.data)
        with invitation_mail(request, organization=organization, email=data["email"]):
            invitation, token = invitation_create(
                organization=organization, actor=self.actor, **data
            )
        return _new_invitation(invitation, token)


class InvitationResendApi(OrganizationEndpoint):
    @extend_schema(
        operation_id="invitations_resend",
        summary="Resend an invitation",
        description=(
            "Mail a pending invitation again, with a new link and a new expiry (admins, owners "
            "and API keys); the earlier link stops working. An accepted or revoked invitation "
            "is 410 (`invitation_used`, `invitation_revoked`); renewing an expired one needs a "
            "free seat (409 `seat_limit_reached`). Rate limited (429). Recorded as "
            "`member.invitation_resent` in the audit log and the events."
        ),
        request=None,
        responses=responses(InvitationSerializer, 404, 409, 410, 429),
    )
    def post(self, request: Request, organization: Organization, invitation_id: str) -> Response:
        invitation = owned_row(Invitation, organization=organization, pk=invitation_id)
        with invitation_mail(
            request, organization=organization, email=invitation.email, invitation=invitation
        ):
            invitation, _token = invitation_resend(invitation=invitation, actor=self.actor)
        return Response(InvitationSerializer(invitation).data)


class InvitationApi(OrganizationEndpoint):
    @extend_schema(
        operation_id="invitations_revoke",
        summary="Revoke an invitation",
        description=(
            "Revoke a pending invitation (admins, owners and API keys); its link stops "
            "working. An accepted or revoked invitation is 410 (`invitation_used`, "
            "`invitation_revoked`). Recorded as `member.invitation_revoked` in the audit log "
            "and the events."
        ),
        responses=responses(None, 404, 409, 410, status=204),
    )
    def delete(self, request: Request, organization: Organization, invitation_id: str) -> Response:
        invitation = owned_row(Invitation, organization=organization, pk=invitation_id)
        invitation_revoke(invitation=invitation, actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ActiveOrganizationInviteApi(ApiView):
    """`POST /invitations`: invite into the caller's active organization (or the API key's)."""

    created_at = None  # its place is under the organization, which the body does not name

    @extend_schema(
        operation_id="invitations_create_in_active_organization",
        summary="Invite someone into your active organization",
        description=(
            "Invite someone into your active organization, or into the calling API key's "
            "organization (admins, owners and API keys), with the rules, the mail, the audit "
            "row and the answer of `POST /organizations/{org}/invitations`. Without an "
            "active organization: 404 `no_active_organization`."
        ),
        request=InviteInput,
        responses=responses(NewInvitationSerializer, 404, 409, 429, status=201),
    )
    @no_store
    @idempotent
    def post(self, request: Request) -> Response:
        data = InviteInput.validated(request.data)
        organization = self.enter_active_organization()
        with invitation_mail(request, organization=organization, email=data["email"]):
            invitation, token = invitation_create(
                organization=organization, actor=self.actor, **data
            )
        return _new_invitation(invitation, token)


class PublicInvitationApi(ApiView):
    authentication_classes: list[Any] = []  # a credential sent along is not looked at
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="invitations_show",
        summary="Show what an invitation link offers",
        description=(
            "What an invitation link offers (public: holding the token is the right to see "
            "it): the organization's name, the role, who invited, when it expires and its "
            "`state`; only a `pending` one can be accepted. An unknown token is 404."
        ),
        responses=responses(PublicInvitationSerializer, 404, public=True),
        auth=[],
    )
    def get(self, request: Request, token: str) -> Response:
        invitation = invitation_by_token(token)
        return Response(PublicInvitationSerializer(invitation).data)


class InvitationAcceptApi(ApiView):
    def get_throttles(self) -> list[Any]:
        return throttles("join")

    @extend_schema(
        operation_id="invitations_accept",
        summary="Accept an invitation",
        description=(
            "Accept an invitation, by its token (from the link) or its ID (`inv_…`, one "
            "addressed to you), as the signed-in person it is addressed to, and join as its "
            "role; the organization becomes your active one. Signed in with another address: "
            "403 `invitation_email_mismatch`. An expired, revoked or used invitation is 410 "
            "(`invitation_expired`, `invitation_revoked`, `invitation_used`); a member "
            "already is 409 `already_a_member`. Rate limited (429). Recorded as "
            "`member.joined` in the audit log and the events. An organization API key gets 404."
        ),
        request=None,
        responses=responses(JoinResultSerializer, 404, 409, 410, 429),
    )
    def post(self, request: Request, token_or_id: str) -> Response:
        user = self.person
        if token_or_id.startswith("inv_"):
            invitation = invitation_addressed_to(email=user.email, invitation_id=token_or_id)
        else:
            invitation = invitation_by_token(token_or_id)
        membership = invitation_accept(invitation=invitation, user=user)
        return Response(JoinResultSerializer(joined_result(membership)).data)

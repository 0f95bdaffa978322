"""`/api/v1/` for people: accounts and tokens, `/me`, members, invitations and invite codes.

Views translate: an input serializer checks the shape, a service decides, an output serializer
renders. Every rule (roles, seats, last owner, expiry) is the services'.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework import serializers, status
from rest_framework.fields import DateTimeField
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from causeloop.api import (
    ApiView,
    InputSerializer,
    Integer,
    IsPlatformOperator,
    OrganizationEndpoint,
    Text,
    page_of,
    paginated,
    resolve_active_organization,
    responses,
)
from causeloop.authentication import (
    BearerTokenAuthentication,
    RootKeyAuthentication,
    RootOperator,
    SessionAuthentication,
)
from causeloop.errors import NotFound
from causeloop.idempotency import idempotent
from causeloop.shown_once import no_store
from causeloop.tenancy import enter_tenant, platform_lookup
from causeloop.throttling import invitation_mail, password_guess, throttles
from memberships import services
from memberships.erasure import account_erase_own
from memberships.erasure_api import BodyOnDeleteSchema, EraseMeInput, ErasureResultSerializer
from memberships.models import Invitation, InviteCode, Membership, PersonalToken, User
from memberships.roles import Role
from memberships.verification import require_verified_email, send_verification_email
from organizations.models import ApiKey, Organization
from organizations.selectors import organization_by_reference
from organizations.services import get_owned

drf_datetime = DateTimeField().to_representation  # the API's one datetime format


# --- output ---------------------------------------------------------------------------------


class UserSerializer(serializers.Serializer):
    id = serializers.CharField()
    email = serializers.EmailField()
    name = serializers.CharField()


class OrganizationSummarySerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    slug = serializers.CharField()
    status = serializers.CharField()


class MyMembershipSerializer(serializers.Serializer):
    id = serializers.CharField()
    organization = OrganizationSummarySerializer()
    role = serializers.CharField()
    is_active = serializers.BooleanField()
    joined_at = serializers.DateTimeField()


class CallerKeySerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    fingerprint = serializers.CharField(source="last_four")


class MeSerializer(serializers.Serializer):
    user = UserSerializer(allow_null=True, help_text="Null when an API key is calling.")
    memberships = MyMembershipSerializer(many=True)
    active_organization = OrganizationSummarySerializer(allow_null=True)
    api_key = CallerKeySerializer(
        required=False, help_text="The calling organization API key, when one is."
    )


class MemberSerializer(serializers.Serializer):
    id = serializers.CharField()
    user = UserSerializer()
    role = serializers.CharField()
    is_active = serializers.BooleanField()
    joined_at = serializers.DateTimeField()
    invited_by = serializers.CharField(source="invited_by_id", allow_null=True)


class InvitationSerializer(serializers.Serializer):
    id = serializers.CharField()
    email = serializers.EmailField()
    role = serializers.CharField()
    state = serializers.CharField()
    invited_by = serializers.CharField(source="invited_by_id", allow_null=True)
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()


class NewInvitationSerializer(InvitationSerializer):
    accept_url = serializers.CharField()


class PublicInvitationSerializer(serializers.Serializer):
    organization = serializers.CharField(source="organization.name")
    email = serializers.EmailField()
    role = serializers.CharField()
    inviter = serializers.CharField(allow_null=True)
    expires_at = serializers.DateTimeField()
    state = serializers.CharField()


class InviteCodeSerializer(serializers.Serializer):
    id = serializers.CharField()
    code = serializers.CharField()
    is_active = serializers.BooleanField()
    uses = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()


class TokenSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    fingerprint = serializers.CharField(source="last_four")
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)
    last_used_at = serializers.DateTimeField(allow_null=True)
    revoked = serializers.SerializerMethodField()

    def get_revoked(self, token: PersonalToken) -> bool:
        return token.revoked_at is not None


class NewTokenSerializer(TokenSerializer):
    token = serializers.CharField(help_text="The token itself: shown this once.")


class JoinResultSerializer(serializers.Serializer):
    membership_id = serializers.CharField()
    organization = OrganizationSummarySerializer()


def _joined(membership: Membership) -> dict[str, Any]:
    return {"membership_id": membership.pk, "organization": membership.organization}


# --- accounts and tokens --------------------------------------------------------------------


class RegisterInput(InputSerializer):
    email = Text(max_length=254)
    password = Text(max_length=4096, trim_whitespace=False)
    name = Text(max_length=200, required=False, allow_blank=True)


class RegisterApi(ApiView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    def get_throttles(self) -> list[Any]:
        return throttles("signup")

    @extend_schema(
        operation_id="auth_register",
        request=RegisterInput,
        responses=responses(UserSerializer, 409, 429, status=201, public=True),
        auth=[],
    )
    @idempotent
    def post(self, request: Request) -> Response:
        data = RegisterInput.validated(request.data)
        user = services.user_register(**data)
        send_verification_email(request._request, user)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


class TokenCreateInput(InputSerializer):
    email = Text(max_length=254)
    password = Text(max_length=4096, trim_whitespace=False)
    name = Text(max_length=200, required=False, allow_blank=True)


class TokensApi(ApiView):
    """`POST`: sign in with email and password for a personal token (public). `GET`: your
    tokens."""

    def get_permissions(self) -> list[Any]:
        return [AllowAny()] if self.request.method == "POST" else list(super().get_permissions())

    def get_throttles(self) -> list[Any]:
        return throttles("login") if self.request.method == "POST" else []

    @extend_schema(operation_id="auth_tokens_list", responses=responses(page_of(TokenSerializer)))
    def get(self, request: Request) -> Response:
        tokens = PersonalToken.objects.filter(user=self.person).order_by("-created_at")
        return paginated(self, tokens, TokenSerializer)

    @extend_schema(
        operation_id="auth_tokens_create",
        request=TokenCreateInput,
        responses=responses(NewTokenSerializer, 401, 403, 429, status=201, public=True),
        auth=[],
    )
    @no_store
    @idempotent
    def post(self, request: Request) -> Response:
        data = TokenCreateInput.validated(request.data)
        with password_guess(request, login=data["email"]):
            user = services.user_authenticate(email=data["email"], password=data["password"])
        require_verified_email(request._request, user)
        token, secret = services.personal_token_create(user=user, name=data.get("name", ""))
        token.token = secret  # type: ignore[attr-defined]
        return Response(NewTokenSerializer(token).data, status=status.HTTP_201_CREATED)


class TokenApi(ApiView):
    @extend_schema(operation_id="auth_tokens_revoke", responses=responses(None, 404, status=204))
    def delete(self, request: Request, token_id: str) -> Response:
        token = PersonalToken.objects.filter(user=self.person, pk=token_id[:64]).first()
        if token is None:
            raise NotFound("Token not found.")
        services.personal_token_revoke(token=token, user=self.person)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _organization_summary(organization: Organization | None) -> dict[str, str] | None:
    if organization is None:
        return None
    return {
        "id": organization.pk,
        "name": organization.name,
        "slug": organization.slug,
        "status": organization.status,
    }


class MeApi(ApiView):
    """`/me` is called more than anything else, so its body is built directly rather than
    through nested serializers (a third of the request's time); `MeSerializer` documents the
    same shape, and the schema tests hold the two together."""

    schema = BodyOnDeleteSchema()

    @extend_schema(
        operation_id="me_erase",
        description=(
            "Erase your own account, everywhere: name and email anonymised, memberships, "
            "tokens and invitations removed, audit rows keep the action but not you. Refused "
            "with `last_owner` while you are the last owner of an organization."
        ),
        request=EraseMeInput,
        responses=responses(ErasureResultSerializer, 404, 409, 429),
    )
    def delete(self, request: Request) -> Response:
        user = self.person
        data = EraseMeInput.validated(request.data)
        with password_guess(request, login=user.email):  # a stolen token guesses no password
            result = account_erase_own(user=user, password=data["password"])
        return Response(ErasureResultSerializer(result).data)

    @extend_schema(operation_id="me", responses=responses(MeSerializer))
    def get(self, request: Request) -> Response:
        if isinstance(request.auth, ApiKey):
            api_key = request.auth
            organization = resolve_active_organization(request)
            return Response(
                {
                    "user": None,
                    "memberships": [],
                    "active_organization": _organization_summary(organization),
                    "api_key": {
                        "id": api_key.pk,
                        "name": api_key.name,
                        "fingerprint": api_key.last_four,
                    },
                }
            )
        user = self.person
        memberships = list(Membership.objects.summaries_of(user).order_by("joined_at", "id"))
        active = next((m for m in memberships if m.is_active), None)
        if active is None and memberships:
            # None active: the earliest joined becomes the active one (the services' rule).
            active = services.active_membership_for(user)
            for membership in memberships:
                membership.is_active = active is not None and membership.pk == active.pk
        return Response(
            {
                "user": {"id": user.pk, "email": user.email, "name": user.name},
                "memberships": [
                    {
                        "id": membership.pk,
                        "organization": _organization_summary(membership.organization),
                        "role": membership.role,
                        "is_active": membership.is_active,
                        "joined_at": drf_datetime(membership.joined_at),
                    }
                    for membership in memberships
                ],
                "active_organization": _organization_summary(
                    active.organization if active else None
                ),
            }
        )


# --- members --------------------------------------------------------------------------------


class MemberAddInput(InputSerializer):
    email = Text(max_length=254)
    role = serializers.ChoiceField(choices=Role.choices)


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
        if request.method == "POST" and IsPlatformOperator().has_permission(request, self):
            ApiView.initial(self, request, *args, **kwargs)
            self.by_platform = True
            self.organization = organization_by_reference(kwargs["org"])
            enter_tenant(self.organization)
            return
        if isinstance(request.user, RootOperator):  # a member's view: the root key is none
            raise NotFound("Organization not found.")
        super().initial(request, *args, **kwargs)

    @extend_schema(
        operation_id="members_list",
        parameters=[
            OpenApiParameter("role", str, enum=Role.values, description="Only this role."),
            OpenApiParameter("search", str, description="Part of the member's email."),
        ],
        responses=responses(page_of(MemberSerializer), 404),
    )
    def get(self, request: Request, org: str) -> Response:
        members: QuerySet[Membership] = self.organization.memberships.select_related("user")
        role = request.query_params.get("role")
        if role:
            if role not in Role.values:
                raise_invalid("role", f"Choose one of {', '.join(Role.values)}.")
            members = members.filter(role=role)
        search = request.query_params.get("search", "").strip()
        if search:
            members = members.filter(user__email__icontains=search[:254])
        return paginated(self, members.order_by("joined_at", "id"), MemberSerializer)

    @extend_schema(
        operation_id="members_add",
        description=(
            "Nobody joins an organization without consent: an organization's admin (or its API "
            "key) gets an invitation created and mailed instead (201 with the invitation, as "
            "`POST …/invitations`). Platform operators (the root key, a staff user's token) add "
            "an existing user directly (201 with the membership)."
        ),
        request=MemberAddInput,
        responses=responses(MemberOrInvitation, 404, 409, 429, status=201),
    )
    @no_store  # an invitation's accept link holds its token
    @idempotent
    def post(self, request: Request, org: str) -> Response:
        data = MemberAddInput.validated(request.data)
        if self.by_platform:
            operator = request.user if isinstance(request.user, User) else None
            membership = services.membership_add(
                organization=self.organization, actor=operator, **data
            )
            return Response(MemberSerializer(membership).data, status=status.HTTP_201_CREATED)
        with invitation_mail(request, organization=self.organization, email=data["email"]):
            invitation, token = services.invitation_create(
                organization=self.organization, actor=self.actor, **data
            )
        return _new_invitation(invitation, token)


class MemberApi(OrganizationEndpoint):
    def _membership(self, member_id: str) -> Membership:
        membership = get_owned(Membership, self.organization, member_id)
        return membership

    @extend_schema(
        operation_id="members_change_role",
        request=MemberChangeInput,
        responses=responses(MemberSerializer, 404, 409),
    )
    def patch(self, request: Request, org: str, member_id: str) -> Response:
        membership = self._membership(member_id)
        data = MemberChangeInput.validated(request.data)
        membership = services.membership_change_role(
            membership=membership, actor=self.actor, role=data["role"]
        )
        return Response(MemberSerializer(membership).data)

    @extend_schema(operation_id="members_remove", responses=responses(None, 404, 409, status=204))
    def delete(self, request: Request, org: str, member_id: str) -> Response:
        services.membership_remove(membership=self._membership(member_id), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TransferInput(InputSerializer):
    membership_id = Text(max_length=64)


class TransferOwnershipApi(OrganizationEndpoint):
    @extend_schema(
        operation_id="organizations_transfer_ownership",
        request=TransferInput,
        responses=responses(MemberSerializer, 404, 409),
    )
    def post(self, request: Request, org: str) -> Response:
        data = TransferInput.validated(request.data)
        membership = get_owned(Membership, self.organization, data["membership_id"])
        membership = services.ownership_transfer(
            organization=self.organization, actor=self.actor, membership=membership
        )
        return Response(MemberSerializer(membership).data)


# --- invitations ----------------------------------------------------------------------------


class InviteInput(InputSerializer):
    email = Text(max_length=254)
    role = serializers.ChoiceField(choices=Role.choices, default=Role.MEMBER)


def _new_invitation(invitation: Invitation, token: str) -> Response:
    invitation.accept_url = services.invitation_url(token)  # type: ignore[attr-defined]
    return Response(NewInvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)


class InvitationsApi(OrganizationEndpoint):
    @extend_schema(
        operation_id="invitations_list", responses=responses(page_of(InvitationSerializer), 404)
    )
    def get(self, request: Request, org: str) -> Response:
        self.require(Role.ADMIN)
        pending = self.organization.invitations.filter(status=Invitation.Status.PENDING)
        return paginated(self, pending.order_by("-created_at", "-id"), InvitationSerializer)

    @extend_schema(
        operation_id="invitations_create",
        request=InviteInput,
        responses=responses(NewInvitationSerializer, 404, 409, 429, status=201),
    )
    @no_store  # the accept link holds the invitation's token
    @idempotent
    def post(self, request: Request, org: str) -> Response:
        data = InviteInput.validated(request.data)
        with invitation_mail(request, organization=self.organization, email=data["email"]):
            invitation, token = services.invitation_create(
                organization=self.organization, actor=self.actor, **data
            )
        return _new_invitation(invitation, token)


class InvitationResendApi(OrganizationEndpoint):
    @extend_schema(
        operation_id="invitations_resend",
        request=None,
        responses=responses(InvitationSerializer, 404, 409, 410, 429),
    )
    def post(self, request: Request, org: str, invitation_id: str) -> Response:
        invitation = get_owned(Invitation, self.organization, invitation_id)
        with invitation_mail(
            request, organization=self.organization, email=invitation.email, invitation=invitation
        ):
            invitation, _token = services.invitation_resend(invitation=invitation, actor=self.actor)
        return Response(InvitationSerializer(invitation).data)


class InvitationApi(OrganizationEndpoint):
    @extend_schema(
        operation_id="invitations_revoke", responses=responses(None, 404, 409, 410, status=204)
    )
    def delete(self, request: Request, org: str, invitation_id: str) -> Response:
        invitation = get_owned(Invitation, self.organization, invitation_id)
        services.invitation_revoke(invitation=invitation, actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ActiveOrganizationInviteApi(ApiView):
    """`POST /invitations`: invite into the caller's active organization (or the API key's)."""

    @extend_schema(
        operation_id="invitations_create_in_active_organization",
        request=InviteInput,
        responses=responses(NewInvitationSerializer, 404, 409, 429, status=201),
    )
    @no_store
    @idempotent
    def post(self, request: Request) -> Response:
        data = InviteInput.validated(request.data)
        organization = resolve_active_organization(request)
        with invitation_mail(request, organization=organization, email=data["email"]):
            invitation, token = services.invitation_create(
                organization=organization, actor=self.actor, **data
            )
        return _new_invitation(invitation, token)


class PublicInvitationApi(ApiView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="invitations_show",
        responses=responses(PublicInvitationSerializer, 404, public=True),
        auth=[],
    )
    def get(self, request: Request, token: str) -> Response:
        invitation = services.invitation_by_token(token)
        invitation.inviter = invitation.invited_by.display_name if invitation.invited_by else None  # type: ignore[attr-defined]
        return Response(PublicInvitationSerializer(invitation).data)


class InvitationAcceptApi(ApiView):
    def get_throttles(self) -> list[Any]:
        return throttles("join")

    @extend_schema(
        operation_id="invitations_accept",
        request=None,
        responses=responses(JoinResultSerializer, 404, 409, 410, 429),
    )
    def post(self, request: Request, token_or_id: str) -> Response:
        user = self.person
        if token_or_id.startswith("inv_"):
            invitation = _own_invitation(user.email, token_or_id)
        else:
            invitation = services.invitation_by_token(token_or_id)
        membership = services.invitation_accept(invitation=invitation, user=user)
        return Response(JoinResultSerializer(_joined(membership)).data)


def _own_invitation(email: str, invitation_id: str) -> Invitation:
    """An invitation addressed by ID: only the person it names may reach it."""
    with platform_lookup():  # the invitation names the tenant; none is known yet
        invitation = (
            Invitation.objects.select_related("organization", "invited_by")
            .filter(pk=invitation_id[:64], email__iexact=email)
            .first()
        )
    if invitation is None:
        raise NotFound("Invitation not found.")
    enter_tenant(invitation.organization)
    return invitation


# --- invite codes ---------------------------------------------------------------------------


class InviteCodeInput(InputSerializer):
    expires_in_days = Integer(min_value=1, max_value=90, required=False)


class InviteCodesApi(OrganizationEndpoint):
    @extend_schema(
        operation_id="invite_codes_list", responses=responses(page_of(InviteCodeSerializer), 404)
    )
    def get(self, request: Request, org: str) -> Response:
        self.require(Role.ADMIN)
        codes = self.organization.invite_codes.order_by("-created_at", "-id")
        return paginated(self, codes, InviteCodeSerializer)

    @extend_schema(
        operation_id="invite_codes_create",
        request=InviteCodeInput,
        responses=responses(InviteCodeSerializer, 404, status=201),
    )
    @idempotent
    def post(self, request: Request, org: str) -> Response:
        data = InviteCodeInput.validated(request.data)
        invite_code = services.invite_code_create(
            organization=self.organization, actor=self.actor, **data
        )
        return Response(InviteCodeSerializer(invite_code).data, status=status.HTTP_201_CREATED)


class InviteCodeApi(OrganizationEndpoint):
    @extend_schema(
        operation_id="invite_codes_deactivate", responses=responses(None, 404, status=204)
    )
    def delete(self, request: Request, org: str, code_id: str) -> Response:
        invite_code = self._invite_code(code_id)
        services.invite_code_deactivate(invite_code=invite_code, actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _invite_code(self, reference: str) -> InviteCode:
        """By ID (`code_…`) or by the code itself."""
        if reference.startswith("code_"):
            return get_owned(InviteCode, self.organization, reference)
        invite_code = self.organization.invite_codes.filter(
            code=services.normalize_invite_code(reference)[:16]
        ).first()
        if invite_code is None:
            raise NotFound("Invite code not found.")
        return invite_code


class InviteCodeJoinApi(ApiView):
    def get_throttles(self) -> list[Any]:
        return throttles("join")

    @extend_schema(
        operation_id="invite_codes_join",
        request=None,
        responses=responses(JoinResultSerializer, 404, 409, 410, 429, status=201),
    )
    def post(self, request: Request, code: str) -> Response:
        membership = services.invite_code_join(code=code, user=self.person)
        return Response(
            JoinResultSerializer(_joined(membership)).data, status=status.HTTP_201_CREATED
        )


def raise_invalid(field: str, message: str) -> None:
    from causeloop.errors import ValidationFailed

    raise ValidationFailed(f"{field}: {message}", fields={field: [message]})

"""Accounts, personal access tokens and `/me`."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.fields import DateTimeField
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from causeloop.core.errors import NotFound
from causeloop.core.shown_once import no_store
from causeloop.web.api.base import (
    ApiView,
    InputSerializer,
    Text,
    paginated,
)
from causeloop.web.api.documented import (
    PEOPLE_ONLY,
    page_of,
    responses,
)
from causeloop.web.api.erasure import BodyOnDeleteSchema, EraseMeInput, ErasureResultSerializer
from causeloop.web.api.fields import EmailText, Name, NewPassword
from causeloop.web.idempotency import idempotent
from causeloop.web.throttling import password_guess, throttles
from memberships.models import Membership, PersonalToken
from memberships.selectors import memberships_of
from memberships.services.accounts import user_authenticate, user_register
from memberships.services.active import active_membership_for
from memberships.services.erasure import account_erase_own
from memberships.services.tokens import personal_token_create, personal_token_revoke
from memberships.verification import require_verified_email, send_verification_email
from organizations.models import ApiKey, Organization
from organizations.roles import Role

drf_datetime = DateTimeField().to_representation  # the API's one datetime format


class UserSerializer(serializers.Serializer):
    id = serializers.CharField()
    email = serializers.EmailField()
    name = serializers.CharField()


class OrganizationSummarySerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    slug = serializers.CharField()
    status = serializers.ChoiceField(choices=Organization.Status.choices)


class MyMembershipSerializer(serializers.Serializer):
    id = serializers.CharField()
    organization = OrganizationSummarySerializer()
    role = serializers.ChoiceField(choices=Role.choices)
    is_active = serializers.BooleanField()
    joined_at = serializers.DateTimeField()


class CallerKeySerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    fingerprint = serializers.CharField(source="last_four")


# `/me` lists this many memberships at most; `/me/memberships` (its URL's name) pages through
# them all.
ME_MEMBERSHIPS = 20
MY_MEMBERSHIPS_URL = "api-my-memberships"


class MeSerializer(serializers.Serializer):
    user = UserSerializer(allow_null=True, help_text="Null when an API key is calling.")
    memberships = MyMembershipSerializer(
        many=True,
        help_text=f"Your first {ME_MEMBERSHIPS} memberships at most, earliest joined first: "
        "the rest are on `memberships_url`.",
    )
    has_more_memberships = serializers.BooleanField(
        help_text=f"Whether you have more than these {ME_MEMBERSHIPS} memberships."
    )
    memberships_url = serializers.URLField(
        allow_null=True,
        help_text="All your memberships, a page at a time (`GET /me/memberships`); null when "
        "an API key is calling.",
    )
    active_organization = OrganizationSummarySerializer(
        allow_null=True, help_text="Null while you belong to no organization."
    )
    api_key = CallerKeySerializer(
        required=False, help_text="The calling organization API key, when one is."
    )


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


class RegisterInput(InputSerializer):
    email = EmailText()
    password = NewPassword()
    name = Name(required=False, allow_blank=True)


class RegisterApi(ApiView):
    created_at = "/api/v1/me"  # the account, once signed in
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    def get_throttles(self) -> list[Any]:
        return throttles("signup")

    @extend_schema(
        operation_id="auth_register",
        summary="Register an account",
        description=(
            "Create an account (public: no credentials needed). A confirmation link is mailed "
            "to the address; the account gets a personal access token (`POST /auth/tokens`) "
            "once the address is confirmed. Refused with 409 `email_taken` for an address "
            "already registered (in any letter case) and 400 `weak_password` for a password "
            "too easy to guess. Rate limited (429)."
        ),
        request=RegisterInput,
        responses=responses(UserSerializer, 409, 429, status=201, public=True),
        auth=[],
    )
    @idempotent
    def post(self, request: Request) -> Response:
        data = RegisterInput.validated(request.data)
        user = user_register(**data)
        send_verification_email(request._request, user)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


class TokenCreateInput(InputSerializer):
    email = EmailText()
    password = Text(max_length=4096, trim_whitespace=False)
    name = Name(required=False, allow_blank=True)


class TokensApi(ApiView):
    """`POST`: sign in with email and password for a personal token (public). `GET`: your
    tokens."""

    def get_permissions(self) -> list[Any]:
        return [AllowAny()] if self.request.method == "POST" else list(super().get_permissions())

    def get_throttles(self) -> list[Any]:
        return throttles("login") if self.request.method == "POST" else []

    @extend_schema(
        operation_id="auth_tokens_list",
        summary="List your personal access tokens",
        description=(
            "Your personal access tokens, newest first, a page at a time, revoked ones too, "
            "with when each was last used. Only the last four characters of each token are "
            "shown (`fingerprint`). For people: an organization API key gets 404."
        ),
        responses=responses(page_of(TokenSerializer), 404, meanings=PEOPLE_ONLY),
    )
    def get(self, request: Request) -> Response:
        tokens = PersonalToken.objects.filter(user=self.person).order_by("-created_at")
        return paginated(self, tokens, TokenSerializer)

    @extend_schema(
        operation_id="auth_tokens_create",
        summary="Sign in for a personal access token",
        description=(
            "Sign in with your email and password for a new personal access token (public)."
            " The token is in the response this once: send it as `Authorization: Bearer "
            "<token>`. A wrong email or password is 401 `invalid_credentials`; refused with "
            "403 `email_unverified` until your email address is confirmed. Rate limited, "
            "wrong passwords too (429)."
        ),
        request=TokenCreateInput,
        responses=responses(NewTokenSerializer, 401, 403, 429, status=201, public=True),
        auth=[],
    )
    @no_store
    @idempotent
    def post(self, request: Request) -> Response:
        data = TokenCreateInput.validated(request.data)
        with password_guess(request, login=data["email"]):
            user = user_authenticate(email=data["email"], password=data["password"])
        require_verified_email(request._request, user)
        token, secret = personal_token_create(user=user, name=data.get("name", ""))
        # The secret is no attribute of the token (only its hash is kept): it joins its fields.
        body = {**TokenSerializer(token).data, "token": secret}
        return Response(body, status=status.HTTP_201_CREATED)


class TokenApi(ApiView):
    @extend_schema(
        operation_id="auth_tokens_revoke",
        summary="Revoke a personal access token",
        description=(
            "Revoke one of your personal access tokens; it stops working at once. Another "
            "person's token, or an unknown ID, is 404, and so is any call with an "
            "organization API key."
        ),
        responses=responses(None, 404, status=204),
    )
    def delete(self, request: Request, token_id: str) -> Response:
        token = PersonalToken.objects.filter(user=self.person, pk=token_id[:64]).first()
        if token is None:
            raise NotFound("Token not found.")
        personal_token_revoke(token=token, user=self.person)
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
        summary="Erase your own account",
        description=(
            "Erase your own account, everywhere, confirming it with your password: name and "
            "email anonymised, memberships, tokens and the invitations to your address "
            "removed; the audit rows of your organizations keep the action but not you (each "
            "records `member.erased`, an event too). A wrong password is 403 "
            "`invalid_password` and nothing changes (rate limited: 429). Refused with 409 "
            "`last_owner` while you are the last owner of an organization: hand the ownership "
            "on or delete it first. An organization API key gets 404."
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

    @extend_schema(
        operation_id="me",
        summary="Show who is calling",
        description=(
            "Who is calling: your account, your first memberships (with your role in each; "
            "`has_more_memberships` says whether there are more, and `memberships_url` lists "
            "them all, a page at a time) and your active organization, null while you belong "
            "to none. With an organization API key: `user` is null and `memberships` empty, "
            "`active_organization` is the key's organization and `api_key` the key itself. "
            "Anyone signed in."
        ),
        responses=responses(MeSerializer),
    )
    def get(self, request: Request) -> Response:
        if isinstance(request.auth, ApiKey):
            api_key = request.auth
            organization = self.enter_active_organization()
            return Response(
                {
                    "user": None,
                    "memberships": [],
                    "has_more_memberships": False,
                    "memberships_url": None,
                    "active_organization": _organization_summary(organization),
                    "api_key": {
                        "id": api_key.pk,
                        "name": api_key.name,
                        "fingerprint": api_key.last_four,
                    },
                }
            )
        user = self.person
        found = list(memberships_of(user)[: ME_MEMBERSHIPS + 1])
        memberships = found[:ME_MEMBERSHIPS]
        active = next((m for m in memberships if m.is_active), None)
        if active is None and memberships:
            # Not among the first few, or none is active: the services' rule finds it (the
            # earliest joined becomes the active one when none is).
            active = active_membership_for(user)
            for membership in memberships:
                membership.is_active = active is not None and membership.pk == active.pk
        return Response(
            {
                "user": {"id": user.pk, "email": user.email, "name": user.name},
                "memberships": [_membership_summary(membership) for membership in memberships],
                "has_more_memberships": len(found) > ME_MEMBERSHIPS,
                "memberships_url": request.build_absolute_uri(reverse(MY_MEMBERSHIPS_URL)),
                "active_organization": _organization_summary(
                    active.organization if active else None
                ),
            }
        )


class MyMembershipsApi(ApiView):
    @extend_schema(
        operation_id="me_memberships",
        summary="List your memberships",
        description=(
            "All your memberships, earliest joined first, a page at a time: each with its "
            "organization, your role in it and whether it is your active one (`GET /me` shows "
            f"the first {ME_MEMBERSHIPS}). For people: an organization API key gets 404."
        ),
        responses=responses(page_of(MyMembershipSerializer), 404, meanings=PEOPLE_ONLY),
    )
    def get(self, request: Request) -> Response:
        return paginated(self, memberships_of(self.person), MyMembershipSerializer)


def _membership_summary(membership: Membership) -> dict[str, Any]:
    """A membership as `/me` shows it (`MyMembershipSerializer`'s shape, built directly)."""
    return {
        "id": membership.pk,
        "organization": _organization_summary(membership.organization),
        "role": membership.role,
        "is_active": membership.is_active,
        "joined_at": drf_datetime(membership.joined_at),
    }

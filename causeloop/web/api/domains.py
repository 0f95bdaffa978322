"""An organization's verified email domains (SPEC §11), admins and owners only: add one, see the
TXT record to publish, verify it through DNS, choose its policy, remove it."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from causeloop.web.api.base import (
    InputSerializer,
    OrganizationEndpoint,
    Text,
    paginated,
)
from causeloop.web.api.documented import (
    IDEMPOTENCY_CONFLICT,
    page_of,
    responses,
)
from causeloop.web.api.permissions import IsOrgAdmin
from causeloop.web.idempotency import idempotent
from causeloop.web.throttling import limit
from directory.models import Domain
from directory.selectors.domains import domain_of, domains_for
from directory.services.domains import (
    domain_add,
    domain_remove,
    domain_set_policy,
    domain_verify,
)
from organizations.models import Organization

_POLICY_HELP = (
    "`suggest`: people who sign up with an address on the domain are offered to join in the "
    "wizard. `auto_join`: they join as members once their address is verified. Either applies "
    "only once the domain is verified."
)


class TxtRecordSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="Where to publish it: the domain's own name.")
    type = serializers.CharField(help_text="Always `TXT`.")
    value = serializers.CharField(help_text="`causeloop-verification=<token>`.")


class DomainSerializer(serializers.Serializer):
    id = serializers.CharField()
    domain = serializers.CharField(source="name", help_text="Lower case, ASCII (punycode).")
    status = serializers.SerializerMethodField()
    policy = serializers.ChoiceField(choices=Domain.Policy.choices, help_text=_POLICY_HELP)
    txt_record = serializers.SerializerMethodField()
    verified_at = serializers.DateTimeField(allow_null=True)
    checked_at = serializers.DateTimeField(
        allow_null=True, help_text="When DNS was last looked up for it."
    )
    check_error = serializers.CharField(
        allow_blank=True, help_text="What the last lookup found wrong; empty once verified."
    )
    created_by = serializers.CharField(source="created_by_id", allow_null=True)
    created_at = serializers.DateTimeField()

    @extend_schema_field(serializers.ChoiceField(choices=["pending", "verified"]))
    def get_status(self, domain: Domain) -> str:
        return "verified" if domain.is_verified else "pending"

    @extend_schema_field(TxtRecordSerializer)
    def get_txt_record(self, domain: Domain) -> dict[str, Any]:
        return {"name": domain.name, "type": "TXT", "value": domain.txt_record}


class DomainInput(InputSerializer):
    domain = Text(max_length=300, help_text="`acme.com` (`@acme.com` and `Acme.COM.` too).")
    policy = serializers.ChoiceField(
        choices=Domain.Policy.choices, default=Domain.Policy.SUGGEST, help_text=_POLICY_HELP
    )


class DomainPolicyInput(InputSerializer):
    policy = serializers.ChoiceField(choices=Domain.Policy.choices, help_text=_POLICY_HELP)


_WHO = "Admins, owners and API keys."
_NOT_FOUND = {404: "The organization or the domain is absent, or not yours"}


class DomainApiBase(OrganizationEndpoint):
    permission_classes = [IsAuthenticated, IsOrgAdmin]

    def domain(self, organization: Organization, domain_id: str) -> Domain:
        """One of the organization's domains; 404 for any other ID, another tenant's too."""
        return domain_of(organization, domain_id)


class DomainsApi(DomainApiBase):
    @extend_schema(
        operation_id="domains_list",
        summary="List the organization's domains",
        description=f"The organization's email domains by name, verified or pending. {_WHO}",
        responses=responses(page_of(DomainSerializer), 404),
    )
    def get(self, request: Request, organization: Organization) -> Response:
        return paginated(self, domains_for(organization), DomainSerializer)

    @extend_schema(
        operation_id="domains_create",
        summary="Add a domain",
        description=(
            f"Add an email domain to verify; publish the `txt_record` it answers with at the "
            f"domain's DNS, then `POST …/verify`. Public email providers (gmail.com …) are "
            f"refused (400 `public_email_domain`). {_WHO} Recorded as `domain.added` in the "
            f"audit log and the events."
        ),
        request=DomainInput,
        responses=responses(
            DomainSerializer,
            404,
            409,
            status=201,
            meanings={
                409: "`domain_exists`: the organization has it already; `domain_claimed`: "
                f"another organization verified it; {IDEMPOTENCY_CONFLICT}"
            },
        ),
    )
    @idempotent
    def post(self, request: Request, organization: Organization) -> Response:
        data = DomainInput.validated(request.data)
        domain = domain_add(
            organization=organization,
            actor=self.actor,
            domain=data["domain"],
            policy=data["policy"],
        )
        return Response(DomainSerializer(domain).data, status=status.HTTP_201_CREATED)


class DomainApi(DomainApiBase):
    @extend_schema(
        operation_id="domains_update",
        summary="Change a domain's policy",
        description=(
            f"Choose the domain's policy. {_POLICY_HELP} {_WHO} Recorded as "
            f"`domain.policy_changed` in the audit log and the events."
        ),
        request=DomainPolicyInput,
        responses=responses(DomainSerializer, 404, meanings=_NOT_FOUND),
    )
    def patch(self, request: Request, organization: Organization, domain_id: str) -> Response:
        domain = self.domain(organization, domain_id)
        data = DomainPolicyInput.validated(request.data)
        domain = domain_set_policy(domain=domain, actor=self.actor, policy=data["policy"])
        return Response(DomainSerializer(domain).data)

    @extend_schema(
        operation_id="domains_delete",
        summary="Remove a domain",
        description=(
            f"Remove the domain: its policy stops applying, and another organization may verify "
            f"it. The members it brought in stay. {_WHO} Recorded as `domain.removed` in the "
            f"audit log and the events."
        ),
        responses=responses(None, 404, status=204, meanings=_NOT_FOUND),
    )
    def delete(self, request: Request, organization: Organization, domain_id: str) -> Response:
        domain_remove(domain=self.domain(organization, domain_id), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DomainVerifyApi(DomainApiBase):
    @extend_schema(
        operation_id="domains_verify",
        summary="Verify a domain",
        description=(
            f"Look up the domain's TXT records now and mark it verified when "
            f"`causeloop-verification=<token>` is among them (an already verified domain is "
            f"answered as it is). When it is not, the answer is 409 `domain_not_verified` with "
            f"what DNS said (no such domain, no TXT record, another token, a timeout), also kept "
            f"on the domain as `check_error`; publish the record and ask again. Rate limited "
            f"(429): each try asks DNS. {_WHO} Recorded as `domain.verified` in the audit log "
            f"and the events once it is."
        ),
        request=None,
        responses=responses(
            DomainSerializer,
            404,
            409,
            429,
            meanings={
                **_NOT_FOUND,
                429: "Too many verifications from this address or for this organization",
                409: "`domain_not_verified`: DNS does not hold the record (the message says "
                "what it holds); `domain_claimed`: another organization verified the domain",
            },
        ),
    )
    def post(self, request: Request, organization: Organization, domain_id: str) -> Response:
        domain = self.domain(organization, domain_id)
        limit(request, "domain_verify", key=str(organization.pk))  # each one asks DNS
        domain = domain_verify(domain=domain, actor=self.actor)
        return Response(DomainSerializer(domain).data)

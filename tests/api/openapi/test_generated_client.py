"""A client developer's integration, through nothing but a Python client generated from the
OpenAPI document (openapi-python-client; tests/api/openapi/conftest.py) against the live
server: its functions make every request, its models are every body, and every answer parses
into the model the document promises for its status. No raw HTTP: what the client cannot say,
the document does not say."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from organizations.models import Organization
from organizations.roles import Role
from tests.api.conftest import ROOT_KEY
from tests.api.openapi.conftest import GeneratedClient
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.slow

PASSWORD = "a-long-and-unusual-passphrase-42"


@dataclass
class Api:
    """The generated client pointed at the live server, and the connections it opened."""

    generated: GeneratedClient
    url: str
    opened: list[Any] = field(default_factory=list)

    @property
    def models(self) -> Any:
        return self.generated.models

    def call(self, operation: str, *args: Any, **kwargs: Any) -> Any:
        """`operation` (its operationId) through the generated function; the whole response."""
        return self.generated.operations[operation].sync_detailed(*args, **kwargs)

    def anonymous(self) -> Any:
        return self._open(self.generated.Client(base_url=self.url))

    def bearer(self, secret: str) -> Any:
        """`Authorization: Bearer <secret>`: a personal token or an organization API key."""
        return self._open(self.generated.AuthenticatedClient(base_url=self.url, token=secret))

    def header(self, name: str, secret: str) -> Any:
        """The secret alone in the header `name` (`X-API-Key`, `X-Root-Key`)."""
        client = self.generated.AuthenticatedClient(
            base_url=self.url, token=secret, prefix="", auth_header_name=name
        )
        return self._open(client)

    def _open(self, client: Any) -> Any:
        # A status the document does not list for the operation raises, instead of parsing
        # into None.
        client.raise_on_unexpected_status = True
        self.opened.append(client)
        return client

    def sign_in(self, email: str) -> Any:
        """A new personal token of `email` (POST /auth/tokens), and a client that sends it."""
        body = self.models.TokenCreateInputRequest(
            email=email, password=PASSWORD, name="integration"
        )
        response = self.call("auth_tokens_create", client=self.anonymous(), body=body)
        token = parsed(response, 201, self.models.NewToken)
        assert token.token.startswith("cl_pat_")
        return self.bearer(token.token)

    def refused(self, response: Any, status: int) -> str:
        """The error code of a refusal with `status`, parsed into the documented `Error`."""
        return parsed(response, status, self.models.Error).error.code


def parsed(response: Any, status: int, model: type) -> Any:
    """The response's body as `model`, which the document promises for `status`; a field the
    document does not declare fails too (the generated model keeps it aside)."""
    assert response.status_code == status, response.content
    assert isinstance(response.parsed, model), (type(response.parsed), response.content)
    assert not response.parsed.additional_properties, response.parsed.additional_properties
    return response.parsed


@pytest.fixture
def api(generated, api_url):
    api = Api(generated=generated, url=api_url)
    yield api
    for client in api.opened:
        client.get_httpx_client().close()


@pytest.fixture
def acme(api):
    """A person signed in through the client, owner of the organization `acme` they made
    with it: (their client, the organization)."""
    UserFactory(email="owner@acme.test", password=PASSWORD, name="Olive Owner")
    owner = api.sign_in("owner@acme.test")
    body = api.models.OrganizationCreateInputRequest(name="Acme", slug="acme")
    organization = parsed(
        api.call("organizations_create", client=owner, body=body), 201, api.models.Organization
    )
    assert (organization.slug, organization.role) == ("acme", "owner")
    return owner, organization


def test_an_owner_invites_people_and_reads_the_members_page_by_page(api, acme):
    owner, organization = acme
    listed = parsed(
        api.call("organizations_list", client=owner), 200, api.models.PaginatedMyOrganizationList
    )
    assert [(o.slug, o.role, o.is_active) for o in listed.results] == [("acme", "owner", True)]

    invited = []
    for email, role in [("ann@example.com", "admin"), ("bob@example.com", "member")]:
        body = api.models.InviteInputRequest(email=email, role=api.models.RoleEnum(role))
        response = api.call("invitations_create", organization.id, client=owner, body=body)
        invitation = parsed(response, 201, api.models.NewInvitation)
        assert (invitation.email, invitation.role, invitation.state) == (email, role, "pending")
        invited.append(invitation.id)
    pending = parsed(
        api.call("invitations_list", "acme", client=owner), 200, api.models.PaginatedInvitationList
    )
    assert sorted(i.id for i in pending.results) == sorted(invited)
    again = api.call(
        "invitations_create",
        "acme",
        client=owner,
        body=api.models.InviteInputRequest(email="ann@example.com"),
    )
    assert api.refused(again, 409) == "already_invited"

    # Four people who joined earlier, beside the owner: three pages of two.
    joined = Organization.objects.get(pk=organization.id)
    for number in range(4):
        user = UserFactory(email=f"member{number}@example.com")
        MembershipFactory(user=user, organization=joined, role=Role.MEMBER)
    pages, page = [], 1
    while True:
        response = api.call("members_list", "acme", client=owner, page=page, page_size=2)
        members = parsed(response, 200, api.models.PaginatedMemberList)
        assert members.count == 5
        pages.append([member.user.email for member in members.results])
        if members.next_ is None:
            break
        page += 1
    assert [len(emails) for emails in pages] == [2, 2, 1]
    assert sorted(email for emails in pages for email in emails) == sorted(
        ["owner@acme.test"] + [f"member{number}@example.com" for number in range(4)]
    )


def test_api_keys_are_issued_listed_used_in_either_header_and_revoked(api, acme):
    owner, organization = acme
    body = api.models.ApiKeyInputRequest(name="CI deploys")
    issued = parsed(
        api.call("api_keys_create", "acme", client=owner, body=body), 201, api.models.NewApiKey
    )
    assert issued.key.startswith("acme_api_")
    assert issued.fingerprint == issued.key[-4:]
    keys = parsed(
        api.call("api_keys_list", "acme", client=owner), 200, api.models.PaginatedApiKeyList
    )
    assert [(k.id, k.name, k.revoked) for k in keys.results] == [(issued.id, "CI deploys", False)]

    for client in [api.bearer(issued.key), api.header("X-API-Key", issued.key)]:
        me = parsed(api.call("me", client=client), 200, api.models.Me)
        assert me.user is None
        assert me.api_key.id == issued.id
        assert me.active_organization.id == organization.id

    assert api.call("api_keys_revoke", "acme", issued.id, client=owner).status_code == 204
    keys = parsed(
        api.call("api_keys_list", "acme", client=owner), 200, api.models.PaginatedApiKeyList
    )
    assert [(k.id, k.revoked) for k in keys.results] == [(issued.id, True)]
    refused = api.call("me", client=api.header("X-API-Key", issued.key))
    assert api.refused(refused, 401)


def test_a_template_changes_only_what_a_patch_sends_and_a_stale_etag_is_refused(api, acme):
    owner, _organization = acme
    body = api.models.TemplateInputRequest(
        name="Triage",
        kind=api.models.TemplateKindEnum.AGENT,
        description="Sorts the inbox",
        body="You triage.",
    )
    created = api.call("templates_create", "acme", client=owner, body=body)
    template = parsed(created, 201, api.models.Template)
    assert created.headers["Location"].endswith(
        f"/api/v1/organizations/acme/templates/{template.id}"
    )

    shown = api.call("templates_show", "acme", template.id, client=owner)
    etag = shown.headers["ETag"]
    assert parsed(shown, 200, api.models.Template).kind == "agent"

    # Only the name is sent: the kind, the description and the body stay as they were.
    rename = api.models.PatchedTemplateInputRequest(name="Inbox triage")
    assert rename.to_dict() == {"name": "Inbox triage"}
    response = api.call(
        "templates_update", "acme", template.id, client=owner, body=rename, if_match=etag
    )
    renamed = parsed(response, 200, api.models.Template)
    assert (renamed.name, renamed.kind, renamed.description, renamed.body) == (
        "Inbox triage",
        "agent",
        "Sorts the inbox",
        "You triage.",
    )
    assert response.headers["ETag"] not in ("", etag)

    # Someone else's copy, from before the rename, changes nothing.
    stale = api.call(
        "templates_update",
        "acme",
        template.id,
        client=owner,
        body=api.models.PatchedTemplateInputRequest(description="Overwritten"),
        if_match=etag,
    )
    assert api.refused(stale, 412) == "precondition_failed"
    shown = parsed(
        api.call("templates_show", "acme", template.id, client=owner), 200, api.models.Template
    )
    assert (shown.name, shown.description) == ("Inbox triage", "Sorts the inbox")

    listed = parsed(
        api.call("templates_list", "acme", client=owner, kind=api.models.TemplatesListKind.AGENT),
        200,
        api.models.PaginatedTemplateList,
    )
    assert [t.id for t in listed.results] == [template.id]
    assert api.call("templates_delete", "acme", template.id, client=owner).status_code == 204
    gone = api.call("templates_show", "acme", template.id, client=owner)
    assert api.refused(gone, 404)


def test_the_audit_log_says_who_did_what_newest_first_page_by_page(api, acme):
    owner, organization = acme
    made = []
    for name in ["Draft", "Review"]:
        body = api.models.TemplateInputRequest(name=name)
        response = api.call("templates_create", "acme", client=owner, body=body)
        made.append(parsed(response, 201, api.models.Template))
    assert api.call("templates_delete", "acme", made[0].id, client=owner).status_code == 204

    # Two rows a page, each next page by the cursor in `next`.
    rows, after = [], {}
    while True:
        response = api.call("audit_log_list", "acme", client=owner, page_size=2, **after)
        page = parsed(response, 200, api.models.CursorAuditLogList)
        assert len(page.results) <= 2
        rows += page.results
        if page.next_ is None:
            break
        (cursor,) = parse_qs(urlsplit(page.next_).query)["cursor"]
        after = {"cursor": cursor}
    newest = [(row.action, row.target_id) for row in rows[:3]]
    assert newest == [
        ("template.deleted", made[0].id),
        ("template.created", made[1].id),
        ("template.created", made[0].id),
    ]
    assert {row.actor_user for row in rows[:3]} == {made[0].created_by}
    assert len(rows) == len({row.id for row in rows}) > 3  # the organization's own rows too
    only = parsed(
        api.call(
            "audit_log_list",
            organization.id,
            client=owner,
            action=api.models.AuditLogListAction("template.deleted"),
        ),
        200,
        api.models.CursorAuditLogList,
    )
    assert [row.target_id for row in only.results] == [made[0].id]


def test_the_platform_checks_then_onboards_once_per_idempotency_key(api):
    root = api.header("X-Root-Key", ROOT_KEY)
    body = api.models.OnboardInputRequest(
        org_slug="globex",
        company_name="Globex",
        admin_email="ops@globex.example",
        subscription_plan=api.models.PlanCodeEnum.STARTER,
        send_welcome_email=False,
    )
    dry = parsed(
        api.call("platform_onboard_dryrun", client=root, body=body), 200, api.models.DryRun
    )
    assert dry.ready_for_onboarding is True
    assert dry.validation_summary.all_passed is True
    assert dry.validation_summary.total_checks == len(dry.validation_results) > 0

    first = api.call("platform_onboard", client=root, body=body, idempotency_key="onboard-globex")
    onboarded = parsed(first, 201, api.models.OnboardResult)
    assert onboarded.created is True
    assert "Idempotent-Replayed" not in first.headers
    # A retry (the first answer lost on the way, say) gets the first answer again.
    second = api.call("platform_onboard", client=root, body=body, idempotency_key="onboard-globex")
    assert second.headers["Idempotent-Replayed"] == "true"
    assert parsed(second, 201, api.models.OnboardResult).to_dict() == onboarded.to_dict()
    assert Organization.objects.filter(slug="globex").count() == 1

    dry = parsed(
        api.call("platform_onboard_dryrun", client=root, body=body), 200, api.models.DryRun
    )
    assert dry.ready_for_onboarding is False
    assert dry.validation_summary.failed == 1

    me = parsed(api.call("me", client=api.bearer(onboarded.api_key)), 200, api.models.Me)
    assert (me.active_organization.id, me.active_organization.slug) == (onboarded.org_id, "globex")

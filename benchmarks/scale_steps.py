"""The two steps `scale.py` runs in a child process with Django set up: `seed` (as the
superuser: a few rows through the services, then cloned by bulk SQL) and `measure` (as the
application role, through the whole stack)."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import psycopg
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client

from causeloop.core.tenancy import platform_work
from memberships.models import Membership, User
from memberships.services.invitations import invitation_create
from onboarding.services.onboard import OnboardRequest, onboard_client
from organizations.models import AuditLog, Organization
from organizations.roles import Role
from organizations.services.api_keys import api_key_create
from organizations.services.templates import TemplateInput, template_create

ACTIONS = [
    "member.joined", "template.created", "api_key.created", "member.role_changed",
    "organization.updated", "member.invited", "branding.updated", "plan.changed",
]  # fmt: skip
FILTERED = "member.role_changed"


def _clone(table: str, source: str, first: int, last: int, **columns: str) -> None:
    """Insert copies of `table`'s row `source`, one per `g` in first..last, with `columns`
    set to SQL expressions of `g` and the source row `t`; each copy's ID keeps the source's
    prefix, with `g` for its 26 characters. Generated columns compute themselves."""
    changes = ", ".join(f"'{name}', {expression}" for name, expression in columns.items())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT string_agg(quote_ident(column_name), ', ') FROM information_schema.columns "
            "WHERE table_name = %s AND is_generated = 'NEVER'",
            [table],
        )
        (names,) = cursor.fetchone()
        copy = ", ".join(f"r.{name}" for name in names.split(", "))
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT {copy} FROM {table} t, "
            f"generate_series(%s::int, %s::int) g, LATERAL jsonb_populate_record(NULL::{table}, "
            f"to_jsonb(t) || jsonb_build_object('id', "
            f"split_part(t.id, '_', 1) || '_' || lpad(g::text, 26, '0'), {changes})) r "
            "WHERE t.id = %s",
            [first, last, source],
        )


def seed(counts: dict[str, int], *, password: str) -> None:
    with platform_work():
        acme = onboard_client(
            request=OnboardRequest(
                org_name="Acme Corp", org_slug="acme", owner_email="alice@acme.test",
                owner_name="Alice Example", plan="enterprise", seats=100_000,
                send_welcome_email=False,
            )
        )  # fmt: skip
        alice = User.objects.get(pk=acme.user_id)
        alice.set_password(password)
        alice.save()
        organization = Organization.objects.get(pk=acme.org_id)
        User.objects.create_superuser(email="root@platform.test", password=password)
        invitation, _token = invitation_create(
            organization=organization, actor=alice, email="first@invited.test", role="member",
        )  # fmt: skip
        key, _secret = api_key_create(organization=organization, actor=alice, name="CI")
        template = template_create(
            organization=organization, actor=alice,
            fields=TemplateInput(name="First", kind="prompt", description="", body="x" * 200),
        )  # fmt: skip
        audit = AuditLog.objects.filter(organization=organization).earliest("created_at")
        other = onboard_client(
            request=OnboardRequest(
                org_name="Other 0", org_slug="other-0", owner_email="owner0@other.test",
                send_welcome_email=False,
            )
        )  # fmt: skip
        Membership.objects.create(user=alice, organization_id=other.org_id, role=Role.MEMBER)
    members, orgs = counts["members"], counts["orgs"]
    user, membership = alice.pk, acme.membership_id
    # Acme's members, earliest joined first, then the other organizations, each with an owner.
    _clone("memberships_user", user, 1, members - 1,
           email="'m' || g || '@big.test'", name="'Member ' || g")  # fmt: skip
    _clone("memberships_membership", membership, 1, members - 1,
           user_id=_same_g("usr"), role="'member'", is_active="false",
           joined_at="t.joined_at + g * interval '1 second'")  # fmt: skip
    _clone("organizations_organization", other.org_id, members, members + orgs - 3,
           slug="'other-' || g", name="'Other ' || g")  # fmt: skip
    _clone("organizations_workspace", other.workspace_id, members, members + orgs - 3,
           organization_id=_same_g("org"), slug="'other-' || g")  # fmt: skip
    _clone("memberships_user", other.user_id, members, members + orgs - 3,
           email="'owner' || g || '@other.test'")  # fmt: skip
    _clone("memberships_membership", other.membership_id, members, members + orgs - 3,
           user_id=_same_g("usr"), organization_id=_same_g("org"))  # fmt: skip
    # Alice belongs to alice_orgs organizations in all: Acme, Other 0 and that many clones.
    _clone("memberships_membership", membership, members + orgs,
           members + orgs + counts["alice_orgs"] - 3, is_active="false", role="'member'",
           organization_id=f"'org_' || lpad((g - {orgs})::text, 26, '0')")  # fmt: skip
    _clone("memberships_invitation", invitation.pk, 1, counts["invitations"] - 1,
           email="'inv' || g || '@invited.test'", token_hash="md5(g::text)",
           created_at="t.created_at - g * interval '1 second'")  # fmt: skip
    _clone("organizations_apikey", key.pk, 1, counts["keys"] - 1,
           name="'Key ' || g", key_hash="md5(g::text)")  # fmt: skip
    _clone("organizations_template", template.pk, 1, counts["templates"] - 1,
           name="'Template ' || g")  # fmt: skip
    actions = "ARRAY[" + ", ".join(f"'{action}'" for action in ACTIONS) + "]"
    _clone("organizations_auditlog", audit.pk, 1, counts["audit"] - 1,
           action=f"({actions})[1 + g %% {len(ACTIONS)}]", details="'{}'::jsonb",
           created_at="t.created_at - g * interval '1 second'")  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def _same_g(prefix: str) -> str:
    """The ID of copy `g` of another table's row with `prefix` (as `_clone` makes it)."""
    return f"'{prefix}_' || lpad(g::text, 26, '0')"


def measure(counts: dict[str, int], requests: int, rounds: int) -> dict[str, tuple[float, int]]:
    settings.ALLOWED_HOSTS = ["testserver"]
    alice, root = Client(), Client()
    alice.force_login(User.objects.get(email="alice@acme.test"))
    root.force_login(User.objects.get(email="root@platform.test"))
    deep_audit = _deep_audit_cursor()
    deep_page = max(1, counts["members"] * 9 // 10 // 50)
    emails = iter(range(10**9))

    def invite() -> Any:
        cache.clear()  # the invitation rate limits are not what is measured
        body = {"email": f"new{os.getpid()}-{next(emails)}@invited.test", "role": "member"}
        return alice.post("/api/v1/organizations/acme/invitations", body,
                          content_type="application/json")  # fmt: skip

    api = "/api/v1/organizations/acme"
    cases: dict[str, Callable[[], Any]] = {
        "`/admin/members/`": lambda: alice.get("/admin/members/"),
        "`GET …/audit-log` page 1": lambda: alice.get(f"{api}/audit-log"),
        "`GET …/audit-log` filtered": lambda: alice.get(f"{api}/audit-log?action={FILTERED}"),
        "`GET …/audit-log` deep page": lambda: alice.get(f"{api}/audit-log?cursor={deep_audit}"),
        "`/admin/audit/`": lambda: alice.get("/admin/audit/"),
        "`/admin/data/`": lambda: alice.get("/admin/data/"),
        "`/admin/templates/`": lambda: alice.get("/admin/templates/"),
        "`/admin/api-keys/`": lambda: alice.get("/admin/api-keys/"),
        "`/platform-admin/` organizations": lambda: root.get(
            "/platform-admin/organizations/organization/"
        ),
        "`GET …/members` page 1": lambda: alice.get(f"{api}/members"),
        "`GET …/members` deep page": lambda: alice.get(f"{api}/members?page={deep_page}"),
        "`GET …/members?search=`": lambda: alice.get(f"{api}/members?search=m1234"),
        "`POST …/invitations`": invite,
        "`GET /me` (Alice's organizations)": lambda: alice.get("/api/v1/me"),
        "`/` with the switcher": lambda: alice.get("/"),
    }
    results = {}
    for name, call in cases.items():
        response = call()  # warm up, and check it answers
        assert response.status_code in (200, 201), (
            name,
            response.status_code,
            response.content[:300],
        )
        timings = []
        for _round in range(rounds):
            for _ in range(requests):
                start = time.perf_counter()
                call()
                timings.append(time.perf_counter() - start)
        results[name] = (statistics.median(timings) * 1000, len(response.content))
    return results


def _deep_audit_cursor() -> str:
    """The API's cursor nine tenths of the way down Acme's audit log (read as the superuser:
    the app role sees no row outside a tenant)."""
    with psycopg.connect(os.environ["SCALE_SUPERUSER_URL"]) as owner, owner.cursor() as cursor:
        cursor.execute(
            "SELECT (extract(epoch FROM created_at) * 1000000)::bigint || '.' || id "
            "FROM organizations_auditlog WHERE organization_id = "
            "(SELECT id FROM organizations_organization WHERE slug = 'acme') "
            "ORDER BY created_at DESC, id DESC OFFSET "
            "(SELECT count(*) * 9 / 10 FROM organizations_auditlog) LIMIT 1"
        )
        (cursor_value,) = cursor.fetchone() or ("",)
    return cursor_value

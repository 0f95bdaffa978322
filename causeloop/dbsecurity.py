"""The database's own wall under every tenant query (PostgreSQL only).

Every table that holds tenant rows has row-level security enabled and forced, with one policy
that admits a row only when it belongs to the context set for the current transaction by
`causeloop.tenancy` (transaction-local `set_config(…, true)`, safe under transaction pooling):

- `app.current_org`  — the organization a request is about (`enter_tenant`);
- `app.current_user` — the signed-in person: their own memberships in every organization,
  the organizations they belong to, and their personal tokens (`enter_user`);
- `app.platform`     — the operator's context: commands, the platform API, the Django admin
  (`enter_platform`).

Audit rows are append-only in the database too: a trigger refuses UPDATE and DELETE unless the
transaction set `app.audit_rewrite` (only purging an organization and erasing a person do).

This module is the one list of tenant tables. A new model with an `organization` foreign key
must be added to `TENANT_TABLES` and get a migration calling `apply_row_level_security`;
`tests/security/test_rls_coverage.py` fails until it is.
"""

from __future__ import annotations

from typing import Any

# Setting names (the policies and `causeloop.tenancy` share them).
CURRENT_ORG = "app.current_org"
CURRENT_USER = "app.current_user"
PLATFORM = "app.platform"
AUDIT_REWRITE = "app.audit_rewrite"

_ORG = f"current_setting('{CURRENT_ORG}', true)"
_USER = f"current_setting('{CURRENT_USER}', true)"
_PLATFORM = f"current_setting('{PLATFORM}', true) = 'on'"

# model label → the condition a row must meet to be seen or written. Conditions only compare
# indexed columns with STABLE `current_setting()` calls, so the planner keeps using the indexes.
TENANT_TABLES: dict[str, str] = {
    "organizations.Organization": (
        f"id = {_ORG} OR {_PLATFORM} OR id IN ("  # noqa: S608 - constants only
        f"SELECT organization_id FROM memberships_membership WHERE user_id = {_USER})"
    ),
    "organizations.Workspace": f"organization_id = {_ORG} OR {_PLATFORM}",
    # Keyed through its workspace: the subquery is itself filtered by the workspace policy.
    "organizations.WorkspaceSettings": ("workspace_id IN (SELECT id FROM organizations_workspace)"),
    "organizations.Subscription": f"organization_id = {_ORG} OR {_PLATFORM}",
    "organizations.ApiKey": f"organization_id = {_ORG} OR {_PLATFORM}",
    "organizations.Template": f"organization_id = {_ORG} OR {_PLATFORM}",
    "organizations.AuditLog": f"organization_id = {_ORG} OR {_PLATFORM}",
    "memberships.Membership": f"organization_id = {_ORG} OR user_id = {_USER} OR {_PLATFORM}",
    "memberships.Invitation": f"organization_id = {_ORG} OR {_PLATFORM}",
    "memberships.InviteCode": f"organization_id = {_ORG} OR {_PLATFORM}",
    "memberships.PersonalToken": f"user_id = {_USER} OR {_PLATFORM}",
}

POLICY_NAME = "causeloop_tenant_isolation"
AUDIT_TABLE_LABEL = "organizations.AuditLog"

_AUDIT_GUARD = f"""
CREATE OR REPLACE FUNCTION causeloop_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('{AUDIT_REWRITE}', true) = 'on' THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit rows are append-only'
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'only purging an organization or erasing a person may rewrite them';
END
$$;
"""


def _table(apps: Any, label: str) -> str:
    return apps.get_model(label)._meta.db_table


def _quote(schema_editor: Any, name: str) -> str:
    return schema_editor.quote_name(name)


def apply_row_level_security(apps: Any, schema_editor: Any) -> None:
    """Enable and force RLS with the tenant policy on every tenant table (idempotent)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    for label, condition in TENANT_TABLES.items():
        try:
            table = _quote(schema_editor, _table(apps, label))
        except LookupError:  # a model that a later migration introduces
            continue
        schema_editor.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        schema_editor.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        schema_editor.execute(f"DROP POLICY IF EXISTS {POLICY_NAME} ON {table}")
        schema_editor.execute(
            f"CREATE POLICY {POLICY_NAME} ON {table} FOR ALL "
            f"USING ({condition}) WITH CHECK ({condition})"
        )
    audit = _quote(schema_editor, _table(apps, AUDIT_TABLE_LABEL))
    schema_editor.execute(_AUDIT_GUARD)
    schema_editor.execute(f"DROP TRIGGER IF EXISTS causeloop_audit_append_only ON {audit}")
    schema_editor.execute(
        f"CREATE TRIGGER causeloop_audit_append_only BEFORE UPDATE OR DELETE ON {audit} "
        "FOR EACH ROW EXECUTE FUNCTION causeloop_audit_append_only()"
    )


def remove_row_level_security(apps: Any, schema_editor: Any) -> None:
    """The reverse of `apply_row_level_security`."""
    if schema_editor.connection.vendor != "postgresql":
        return
    audit = _quote(schema_editor, _table(apps, AUDIT_TABLE_LABEL))
    schema_editor.execute(f"DROP TRIGGER IF EXISTS causeloop_audit_append_only ON {audit}")
    schema_editor.execute("DROP FUNCTION IF EXISTS causeloop_audit_append_only()")
    for label in TENANT_TABLES:
        try:
            table = _quote(schema_editor, _table(apps, label))
        except LookupError:
            continue
        schema_editor.execute(f"DROP POLICY IF EXISTS {POLICY_NAME} ON {table}")
        schema_editor.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        schema_editor.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")

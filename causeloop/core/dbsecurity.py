"""The database's own wall under every tenant query (PostgreSQL only).

Every table that holds tenant rows has row-level security enabled and forced, with one policy
that admits a row only when it belongs to the context set for the current transaction by
`causeloop.core.tenancy` (transaction-local `set_config(…, true)`, safe under transaction pooling):

- `app.current_org`  — the organization a request is about (`enter_tenant`);
- `app.current_user` — the signed-in person: their own memberships in every organization,
  the organizations they belong to, and their personal tokens (`enter_user`);
- `app.platform`     — the operator's context: commands, the platform API, the Django admin
  (`enter_platform`).

Audit rows are append-only in the database too (`apply_audit_guard`): the application role holds
no UPDATE, DELETE or TRUNCATE on them; a trigger refuses, for every role, any change but
forgetting a person and any delete of a row whose organization still exists; and the two
sanctioned rewrites are owner-owned functions the application calls — `causeloop_audit_forget`
(erasure: the person's name and email fields, nothing else) and `causeloop_audit_purge` (the rows
of an organization that was just deleted).

This module is the one list of tenant tables. A new model with an `organization` foreign key
must be added to `TENANT_TABLES` and get a migration calling `apply_row_level_security`;
`tests/security/test_rls_coverage.py` fails until it is.
"""

from __future__ import annotations

from typing import Any

# Setting names (the policies and `causeloop.core.tenancy` share them).
CURRENT_ORG = "app.current_org"
CURRENT_USER = "app.current_user"
PLATFORM = "app.platform"

# Each setting is read by a scalar subquery: the planner runs it once per statement (an
# InitPlan) and compares every row with its result, where a bare `current_setting()` call would
# run again for each row the scan visits (a million calls to count a big tenant's audit rows).
_ORG = f"(SELECT current_setting('{CURRENT_ORG}', true))"
_USER = f"(SELECT current_setting('{CURRENT_USER}', true))"
_PLATFORM = f"(SELECT current_setting('{PLATFORM}', true) = 'on')"

# model label → the condition a row must meet to be seen or written. Conditions only compare
# indexed columns with values fixed for the statement, so the planner keeps using the indexes.
TENANT_TABLES: dict[str, str] = {
    "organizations.Organization": (
        f"id = {_ORG} OR {_PLATFORM} OR id IN ("  # noqa: S608 - constants only
        f"SELECT organization_id FROM memberships_membership WHERE user_id = {_USER})"
    ),
    "organizations.Workspace": f"organization_id = {_ORG} OR {_PLATFORM}",
    "organizations.WorkspaceSettings": f"organization_id = {_ORG} OR {_PLATFORM}",
    "organizations.Subscription": f"organization_id = {_ORG} OR {_PLATFORM}",
    "organizations.ApiKey": f"organization_id = {_ORG} OR {_PLATFORM}",
    "organizations.Template": f"organization_id = {_ORG} OR {_PLATFORM}",
    "organizations.AuditLog": f"organization_id = {_ORG} OR {_PLATFORM}",
    "organizations.Integration": f"organization_id = {_ORG} OR {_PLATFORM}",
    "organizations.Run": f"organization_id = {_ORG} OR {_PLATFORM}",
    "organizations.UsageDay": f"organization_id = {_ORG} OR {_PLATFORM}",
    "organizations.Event": f"organization_id = {_ORG} OR {_PLATFORM}",
    "webhooks.WebhookEndpoint": f"organization_id = {_ORG} OR {_PLATFORM}",
    "webhooks.WebhookDelivery": f"organization_id = {_ORG} OR {_PLATFORM}",
    "memberships.Membership": f"organization_id = {_ORG} OR user_id = {_USER} OR {_PLATFORM}",
    "memberships.Invitation": f"organization_id = {_ORG} OR {_PLATFORM}",
    "memberships.InviteCode": f"organization_id = {_ORG} OR {_PLATFORM}",
    "memberships.PersonalToken": f"user_id = {_USER} OR {_PLATFORM}",
    "directory.Domain": f"organization_id = {_ORG} OR {_PLATFORM}",
    "directory.ScimToken": f"organization_id = {_ORG} OR {_PLATFORM}",
    "directory.DirectoryUser": f"organization_id = {_ORG} OR {_PLATFORM}",
}

POLICY_NAME = "causeloop_tenant_isolation"
AUDIT_TABLE_LABEL = "organizations.AuditLog"


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
            model = apps.get_model(label)
        except LookupError:  # a model that a later migration introduces
            continue
        columns = {field.column for field in model._meta.concrete_fields}
        if condition.startswith("organization_id ") and "organization_id" not in columns:
            continue  # a later migration adds the column, and applies the policy then
        table = _quote(schema_editor, model._meta.db_table)
        schema_editor.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        schema_editor.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        schema_editor.execute(f"DROP POLICY IF EXISTS {POLICY_NAME} ON {table}")
        schema_editor.execute(
            f"CREATE POLICY {POLICY_NAME} ON {table} FOR ALL "
            f"USING ({condition}) WITH CHECK ({condition})"
        )
    apply_audit_guard(apps, schema_editor)


def remove_row_level_security(apps: Any, schema_editor: Any) -> None:
    """The reverse of `apply_row_level_security`."""
    if schema_editor.connection.vendor != "postgresql":
        return
    audit = _quote(schema_editor, _table(apps, AUDIT_TABLE_LABEL))
    schema_editor.execute(f"DROP TRIGGER IF EXISTS causeloop_audit_append_only ON {audit}")
    for function in (*AUDIT_FUNCTIONS, "causeloop_audit_append_only()"):
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {function}")
    for label in TENANT_TABLES:
        try:
            table = _quote(schema_editor, _table(apps, label))
        except LookupError:
            continue
        schema_editor.execute(f"DROP POLICY IF EXISTS {POLICY_NAME} ON {table}")
        schema_editor.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        schema_editor.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")


# --- audit rows: append-only, with two sanctioned rewrites ----------------------------------

ERASED = "erased user"  # what a forgotten person's name and email become in audit rows
AUDIT_FUNCTIONS = ("causeloop_audit_forget(text, text, text[])", "causeloop_audit_purge(text)")
_IN_CONTEXT = f"(a.organization_id = {_ORG} OR {_PLATFORM})"  # the tenant policy, restated
_SAFE_PATH = "SET search_path = pg_catalog, pg_temp"  # every name below is schema-qualified


def _audit_guard_sql(*, audit: str, organization: str) -> list[str]:
    """The trigger, the two functions and the privileges, for these (qualified) tables."""
    erased_json = f"to_jsonb('{ERASED}'::text)"
    is_email = "jsonb_typeof(d.value) = 'string' AND lower(d.value #>> '{}') = email"
    trigger = f"""
CREATE OR REPLACE FUNCTION causeloop_audit_append_only() RETURNS trigger
LANGUAGE plpgsql {_SAFE_PATH} AS $$
DECLARE
    allowed record;
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF NOT EXISTS (SELECT FROM {organization} WHERE id = OLD.organization_id) THEN
            RETURN OLD;  -- its organization was purged in this transaction
        END IF;
        RAISE EXCEPTION 'audit rows are append-only: they leave only with their organization'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- The one change an audit row may take: forgetting a person. Their reference may become
    -- NULL, their name or email '{ERASED}'; every other column stays as it was.
    allowed := OLD;
    IF NEW.actor_user_id IS NULL THEN allowed.actor_user_id := NULL; END IF;
    IF NEW.actor_name = '{ERASED}' THEN allowed.actor_name := NEW.actor_name; END IF;
    IF NEW.target_repr = '{ERASED}' THEN allowed.target_repr := NEW.target_repr; END IF;
    IF jsonb_typeof(OLD.details) = 'object' AND jsonb_typeof(NEW.details) = 'object'
        AND NOT EXISTS (
            SELECT FROM jsonb_each(OLD.details) AS o FULL JOIN jsonb_each(NEW.details) AS n
                USING (key)
            WHERE o.value IS NULL OR n.value IS NULL
                OR (n.value <> o.value AND n.value <> {erased_json})
        ) THEN
        allowed.details := NEW.details;
    END IF;
    IF NEW IS NOT DISTINCT FROM allowed THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit rows are append-only: only forgetting a person may change them'
        USING ERRCODE = 'insufficient_privilege';
END
$$"""  # noqa: S608 - quoted identifiers and constants only
    forget = f"""
CREATE OR REPLACE FUNCTION causeloop_audit_forget(
    p_organization_id text, p_email text, p_ids text[]
) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER {_SAFE_PATH} AS $$
DECLARE
    email text := lower(btrim(coalesce(p_email, '')));
    ids text[] := coalesce(p_ids, '{{}}');
    forgotten integer;
BEGIN
    IF email = '' THEN
        RAISE EXCEPTION 'causeloop_audit_forget needs the email to forget'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_organization_id IS NULL AND ({_PLATFORM}) IS NOT TRUE THEN
        RAISE EXCEPTION 'forgetting a person in every organization is a platform action'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    UPDATE {audit} AS a SET
        actor_user_id = CASE WHEN a.actor_user_id = ANY (ids) THEN NULL ELSE a.actor_user_id END,
        actor_name = CASE WHEN a.actor_user_id = ANY (ids) OR lower(a.actor_name) = email
            THEN '{ERASED}' ELSE a.actor_name END,
        target_repr = CASE WHEN a.target_id = ANY (ids) OR lower(a.target_repr) = email
            THEN '{ERASED}' ELSE a.target_repr END,
        details = CASE WHEN jsonb_typeof(a.details) = 'object' THEN (
            SELECT coalesce(
                jsonb_object_agg(d.key, CASE WHEN {is_email} THEN {erased_json} ELSE d.value END),
                '{{}}'::jsonb)
            FROM jsonb_each(a.details) AS d) ELSE a.details END
    WHERE (p_organization_id IS NULL OR a.organization_id = p_organization_id)
        AND {_IN_CONTEXT}
        AND (a.actor_user_id = ANY (ids) OR a.target_id = ANY (ids)
            OR lower(a.actor_name) = email OR lower(a.target_repr) = email
            OR (jsonb_typeof(a.details) = 'object'
                AND EXISTS (SELECT FROM jsonb_each(a.details) AS d WHERE {is_email})));
    GET DIAGNOSTICS forgotten = ROW_COUNT;
    RETURN forgotten;
END
$$"""  # noqa: S608 - quoted identifiers and constants only
    purge = f"""
CREATE OR REPLACE FUNCTION causeloop_audit_purge(p_organization_id text) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER {_SAFE_PATH} AS $$
DECLARE
    purged integer;
BEGIN
    IF p_organization_id IS NULL
        OR EXISTS (SELECT FROM {organization} WHERE id = p_organization_id) THEN
        RAISE EXCEPTION 'audit rows leave only with their organization: delete it first'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    DELETE FROM {audit} AS a WHERE a.organization_id = p_organization_id AND {_IN_CONTEXT};
    GET DIAGNOSTICS purged = ROW_COUNT;
    RETURN purged;
END
$$"""  # noqa: S608 - quoted identifiers and constants only
    # Whoever was granted UPDATE, DELETE or TRUNCATE (the roles script's default privileges
    # grant them on every new table) loses them here: only the owner keeps them.
    revoke = f"""
DO $$
DECLARE
    holder oid;
BEGIN
    REVOKE UPDATE, DELETE, TRUNCATE ON {audit} FROM PUBLIC;
    FOR holder IN
        SELECT DISTINCT acl.grantee FROM pg_class AS c, aclexplode(c.relacl) AS acl
        WHERE c.oid = '{audit}'::regclass AND acl.grantee NOT IN (0, c.relowner)
            AND acl.privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE')
    LOOP
        EXECUTE 'REVOKE UPDATE, DELETE, TRUNCATE ON {audit} FROM '
            || quote_ident(pg_get_userbyid(holder));
    END LOOP;
END
$$"""  # noqa: S608 - quoted identifiers and constants only
    return [
        trigger,
        f"DROP TRIGGER IF EXISTS causeloop_audit_append_only ON {audit}",
        f"CREATE TRIGGER causeloop_audit_append_only BEFORE UPDATE OR DELETE ON {audit} "
        "FOR EACH ROW EXECUTE FUNCTION causeloop_audit_append_only()",
        forget,
        purge,
        revoke,
    ]


def apply_audit_guard(apps: Any, schema_editor: Any) -> None:
    """Make audit rows append-only for the application role and guard them for every role
    (idempotent; run by the migration that owns it and by `apply_row_level_security`)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = _quote(schema_editor, cursor.fetchone()[0])
    audit = f"{schema}.{_quote(schema_editor, _table(apps, AUDIT_TABLE_LABEL))}"
    organization = f"{schema}.{_quote(schema_editor, _table(apps, 'organizations.Organization'))}"
    for statement in _audit_guard_sql(audit=audit, organization=organization):
        schema_editor.execute(statement, None)  # no parameters: `%` is SQL, not a placeholder

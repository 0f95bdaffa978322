"""An organization's SCIM tokens: the credential its identity provider syncs the directory
with (`scim_…`). The full token is shown once; only its keyed hash is stored."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from causeloop.core.crypto import keyed_hash, random_secret
from causeloop.core.errors import Conflict
from directory.models import ScimToken
from directory.selectors.scim import usable_scim_tokens_of
from memberships.models import User
from memberships.services.members import lock_organization
from organizations.access import require_role
from organizations.audit import audit
from organizations.models import ApiKey, Organization
from organizations.roles import Role
from organizations.validation import clean_name

# Enough for every identity provider and a rotation between two of them.
MAX_USABLE_TOKENS = 20


@transaction.atomic
def scim_token_create(
    *, organization: Organization, actor: User | ApiKey, name: str
) -> tuple[ScimToken, str]:
    """A new SCIM token (admins and owners); the full token is returned once."""
    require_role(actor, organization, at_least=Role.ADMIN)
    name = clean_name(name)
    lock_organization(organization)  # two creations at once count each other
    if usable_scim_tokens_of(organization).count() >= MAX_USABLE_TOKENS:
        raise Conflict(
            f"An organization holds at most {MAX_USABLE_TOKENS} SCIM tokens: revoke one first.",
            code="scim_token_limit",
        )
    secret = f"{ScimToken.PREFIX}{random_secret(32)}"
    token = ScimToken.objects.create(
        organization=organization,
        name=name,
        key_hash=keyed_hash(secret),
        last_four=secret[-4:],
        created_by=None if isinstance(actor, ApiKey) else actor,
    )
    audit(
        organization,
        actor=actor,
        action="scim_token.created",
        target=token,
        details={"name": name, "fingerprint": token.last_four},
    )
    return token, secret


@transaction.atomic
def scim_token_revoke(*, token: ScimToken, actor: User | ApiKey) -> ScimToken:
    """Revoke the token (admins and owners): the directory's requests with it are refused
    from now on. Revoking twice changes nothing."""
    require_role(actor, token.organization, at_least=Role.ADMIN)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit(
            token.organization,
            actor=actor,
            action="scim_token.revoked",
            target=token,
            details={"name": token.name, "fingerprint": token.last_four},
        )
    return token

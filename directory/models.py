"""Verified domains, SCIM tokens, and the directory's record of each person it manages."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from causeloop.core.crypto import random_secret
from causeloop.core.ids import PublicIdField
from organizations.roles import Role


def new_verification_token() -> str:
    return random_secret(18)


class Domain(models.Model):
    """An email domain an organization claims: verified once its DNS holds the TXT record
    `causeloop-verification=<token>`. One organization at most has a domain verified."""

    TXT_PREFIX = "causeloop-verification="

    class Policy(models.TextChoices):
        # People signing up with an address on the domain are offered to join (the wizard).
        SUGGEST = "suggest", "Suggest joining"
        # They join as members once their address is verified.
        AUTO_JOIN = "auto_join", "Join automatically"

    id = PublicIdField(prefix="dom")
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="domains"
    )
    name = models.CharField(max_length=253)  # lower case, no trailing dot
    token = models.CharField(max_length=64, default=new_verification_token)
    policy = models.CharField(max_length=16, choices=Policy.choices, default=Policy.SUGGEST)
    created_by = models.ForeignKey(
        "memberships.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    verified_at = models.DateTimeField(null=True, blank=True)
    # The last lookup: when, and what it found wrong ("" when it verified the domain).
    checked_at = models.DateTimeField(null=True, blank=True)
    check_error = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="domain_once_per_org"),
            # Across every tenant: the index sees rows RLS hides, so two organizations racing to
            # verify one domain cannot both win.
            models.UniqueConstraint(
                fields=["name"],
                condition=models.Q(verified_at__isnull=False),
                name="domain_verified_once",
            ),
            models.CheckConstraint(
                condition=models.Q(policy__in=["suggest", "auto_join"]), name="domain_policy_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def txt_record(self) -> str:
        """The TXT record's value the organization publishes at the domain's name."""
        return f"{self.TXT_PREFIX}{self.token}"


class ScimToken(models.Model):
    """An organization's directory-sync credential (`scim_…`), stored as a keyed hash."""

    PREFIX = "scim_"

    id = PublicIdField(prefix="sct")
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="scim_tokens"
    )
    name = models.CharField(max_length=200)
    key_hash = models.CharField(max_length=64, unique=True)
    last_four = models.CharField(max_length=4)
    created_by = models.ForeignKey(
        "memberships.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "SCIM token"

    def __str__(self) -> str:
        return f"{self.name} …{self.last_four}"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None

    @property
    def display_name(self) -> str:
        return f"SCIM token {self.name} (…{self.last_four})"


class DirectoryUser(models.Model):
    """A person as the organization's identity provider describes them (a SCIM User). While
    `active`, the person has a membership with `role`; deactivated, the membership is gone and
    this record keeps the role to restore."""

    id = PublicIdField(prefix="dus")
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="directory_users"
    )
    user = models.ForeignKey(
        "memberships.User", on_delete=models.CASCADE, related_name="directory_records"
    )
    user_name = models.CharField(max_length=254)
    external_id = models.CharField(max_length=255, blank=True, default="")
    active = models.BooleanField(default=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    # The SCIM attributes the provider sent that have no column (name, displayName, emails, …),
    # returned as they were given.
    attributes = models.JSONField(default=dict, blank=True)
    # Whether the directory created the account (it then keeps the account's name in step).
    created_account = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="directory_user_once"),
            models.UniqueConstraint(
                "organization", Lower("user_name"), name="directory_user_name_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="directory_user_role_valid"
            ),
        ]
        indexes = [models.Index(fields=["organization", "external_id"])]

    def __str__(self) -> str:
        return self.user_name

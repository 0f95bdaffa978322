"""People and their place in organizations: users, memberships, invitations, invite codes and
personal access tokens."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, UNUSABLE_PASSWORD_SUFFIX_LENGTH
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from causeloop.core.crypto import keyed_hash, random_secret
from causeloop.core.ids import PublicIdField
from organizations.roles import INVITABLE_ROLES, Role

if TYPE_CHECKING:
    from organizations.models import Organization


def unusable_password() -> str:
    """What `User.set_unusable_password()` stores (the mark and 40 random characters), drawn at
    once: `make_password(None)` draws each character by itself, 90 µs a new owner."""
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_hex(UNUSABLE_PASSWORD_SUFFIX_LENGTH // 2)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username)

    def by_email(self, email: str) -> User | None:
        """The user with this email, compared case-insensitively, by the unique index on
        `lower(email)`."""
        matches = self.alias(email_ci=Lower("email")).filter(
            email_ci=Lower(models.Value(email.strip()))
        )
        return next(iter(matches[:1]), None)  # unique: no ordering needed

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        user = self.model(email=self.normalize_email(email).strip(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Signs in with a case-insensitively unique email."""

    id = PublicIdField(prefix="usr")
    email = models.EmailField(max_length=254, unique=True)
    name = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    @property
    def display_name(self) -> str:
        return self.name or self.email.split("@")[0]

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name


class MembershipQuerySet(models.QuerySet["Membership"]):
    def for_org(self, organization: Organization) -> MembershipQuerySet:
        return self.filter(organization=organization)

    def owners(self) -> MembershipQuerySet:
        return self.filter(role=Role.OWNER)

    def summaries_of(self, user: Any) -> MembershipQuerySet:
        """A person's memberships with their organizations, only the columns a summary shows
        (`/me`, the organization switcher): read on nearly every request."""
        return (
            self.filter(user=user)
            .select_related("organization")
            .only(
                "id",
                "user_id",
                "role",
                "is_active",
                "joined_at",
                "organization__id",
                "organization__name",
                "organization__slug",
                "organization__status",
            )
        )


class Membership(models.Model):
    """A user in an organization, with a role. At most one per user is active."""

    id = PublicIdField(prefix="mem")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    is_active = models.BooleanField(default=False)
    joined_at = models.DateTimeField(default=timezone.now)
    invited_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique"),
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(is_active=True), name="one_active_membership"
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="membership_role_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "role"]),
            # The members list's order (`members_of`): a page is read straight off the index.
            models.Index(fields=["organization", "joined_at", "id"], name="membership_org_joined"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.organization_id} ({self.role})"


def default_invitation_expiry() -> Any:
    return timezone.now() + timedelta(days=settings.CAUSELOOP_INVITATION_DAYS)


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def addressed_to(self, email: str) -> InvitationQuerySet:
        """Invitations to this email, compared case-insensitively, through the index on
        (`email_lower`, organization)."""
        return self.filter(email_lower=Lower(models.Value(email.strip())))


class Invitation(models.Model):
    """An email invitation with a role; its single-use token is stored only as a keyed hash."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REVOKED = "revoked", "Revoked"

    class Delivery(models.TextChoices):
        """How far the invitation's email got: queued for the mail worker, handed to the mail
        server, or refused on the way (`delivery_error` says why)."""

        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    id = PublicIdField(prefix="inv")
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(max_length=254)
    # The email in lower case, kept by the database, for case-insensitive lookups: under
    # row-level security only LEAKPROOF conditions become index conditions, and `col = value`
    # is one while `lower(col) = …` is not (`Invitation.objects.addressed_to`).
    email_lower = models.GeneratedField(
        expression=Lower("email"),
        output_field=models.CharField(max_length=254),
        db_persist=True,
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    token_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    invited_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(default=default_invitation_expiry)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    delivery = models.CharField(max_length=8, choices=Delivery.choices, default=Delivery.QUEUED)
    delivery_error = models.CharField(max_length=500, blank=True, default="")
    # When the last sending attempt ended (sent or failed); empty while queued.
    delivery_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["email_lower", "organization"], name="invitation_email")]
        constraints = [
            # On the stored lower-case email: the invite path's "already invited?" lookup
            # is an index condition on both columns, row-level security or not.
            models.UniqueConstraint(
                fields=["organization", "email_lower"],
                condition=models.Q(status="pending"),
                name="one_pending_invitation_per_email",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in INVITABLE_ROLES]),
                name="invitation_role_not_owner",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "accepted", "revoked"]),
                name="invitation_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(delivery__in=["queued", "sent", "failed"]),
                name="invitation_delivery_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.organization_id}"

    @staticmethod
    def new_token() -> tuple[str, str]:
        """A fresh token and its keyed hash."""
        token = random_secret(24)
        return token, keyed_hash(token)

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def state(self) -> str:
        """pending, expired, accepted or revoked, as a person would describe it."""
        if self.status == self.Status.PENDING and self.is_expired:
            return "expired"
        return self.status


def default_invite_code_expiry() -> Any:
    return timezone.now() + timedelta(days=settings.CAUSELOOP_INVITE_CODE_DAYS)


class InviteCode(models.Model):
    """A shareable code that lets anyone signed in join, as the role it grants, until it
    expires, is used up or is deactivated."""

    class State(models.TextChoices):
        """What the code does now, as a person would describe it."""

        ACTIVE = "active", "Active"
        USED_UP = "used_up", "Used up"
        EXPIRED = "expired", "Expired"
        DEACTIVATED = "deactivated", "Deactivated"

    # No 0/O, 1/I/L: the code is read aloud and typed by hand.
    ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
    LENGTH = 8

    id = PublicIdField(prefix="code")
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="invite_codes"
    )
    code = models.CharField(max_length=16, unique=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(default=default_invite_code_expiry)
    is_active = models.BooleanField(default=True)
    uses = models.PositiveIntegerField(default=0)
    # The rules (SPEC §11): the role it grants (at most its creator's, never owner), how many
    # may join with it (none: no cap), and the email domain a joiner's address must be on.
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    max_uses = models.PositiveIntegerField(null=True, blank=True)
    email_domain = models.CharField(max_length=253, blank=True, default="")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in INVITABLE_ROLES]),
                name="invite_code_role_not_owner",
            ),
            models.CheckConstraint(
                condition=models.Q(max_uses__isnull=True)
                | models.Q(uses__lte=models.F("max_uses")),
                name="invite_code_uses_within_cap",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_usable(self) -> bool:
        return self.is_active and self.expires_at > timezone.now() and not self.is_used_up

    @property
    def is_used_up(self) -> bool:
        return self.max_uses is not None and self.uses >= self.max_uses

    @property
    def uses_left(self) -> int | None:
        """How many more may join with it (None: no cap)."""
        return None if self.max_uses is None else max(self.max_uses - self.uses, 0)

    @property
    def state(self) -> State:
        """Why nobody can join with it any more, in the order joining checks, or `active`."""
        if not self.is_active:
            return self.State.DEACTIVATED
        if self.expires_at <= timezone.now():
            return self.State.EXPIRED
        if self.is_used_up:
            return self.State.USED_UP
        return self.State.ACTIVE

    @staticmethod
    def normalize(code: object) -> str:
        """A code as stored: without spaces or dashes, upper case ("" for anything not a
        string)."""
        return "".join(str(code).split()).upper().replace("-", "") if isinstance(code, str) else ""


class PersonalToken(models.Model):
    """A user's own API credential (`cl_pat_…`), stored as a keyed hash."""

    PREFIX = "cl_pat_"

    id = PublicIdField(prefix="pat")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="personal_tokens")
    name = models.CharField(max_length=200, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    last_four = models.CharField(max_length=4)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name or 'token'} …{self.last_four}"

    @property
    def is_usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

"""Roles, ranked: owner > admin > analyst > member."""

from django.db import models


class Role(models.TextChoices):
    MEMBER = "member", "Member"
    ANALYST = "analyst", "Analyst"
    ADMIN = "admin", "Admin"
    OWNER = "owner", "Owner"

    @property
    def rank(self) -> int:
        return _RANKS[self.value]

    # Roles compare by rank, also with their plain string values ("admin").
    def __lt__(self, other: str) -> bool:
        return self.rank < Role(other).rank

    def __le__(self, other: str) -> bool:
        return self.rank <= Role(other).rank

    def __gt__(self, other: str) -> bool:
        return self.rank > Role(other).rank

    def __ge__(self, other: str) -> bool:
        return self.rank >= Role(other).rank

    __hash__ = str.__hash__

    def manages(self, other: str) -> bool:
        """Whether this role changes the role of, or removes, a member whose role is `other`
        (SPEC §2): admins manage everyone but owners, owners manage everyone."""
        return self >= Role.ADMIN and (self >= Role.OWNER or other != Role.OWNER)


_RANKS = {"member": 0, "analyst": 1, "admin": 2, "owner": 3}
INVITABLE_ROLES = [Role.MEMBER, Role.ANALYST, Role.ADMIN]
# The roles an invitation or an invite code can give, as (value, label) choices.
INVITABLE_ROLE_CHOICES = [(role.value, role.label) for role in INVITABLE_ROLES]

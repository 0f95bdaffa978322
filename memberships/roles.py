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

    def __lt__(self, other: object) -> bool:
        return self.rank < Role(other).rank  # type: ignore[arg-type]

    def __le__(self, other: object) -> bool:
        return self.rank <= Role(other).rank  # type: ignore[arg-type]

    def __gt__(self, other: object) -> bool:
        return self.rank > Role(other).rank  # type: ignore[arg-type]

    def __ge__(self, other: object) -> bool:
        return self.rank >= Role(other).rank  # type: ignore[arg-type]

    __hash__ = str.__hash__


_RANKS = {"member": 0, "analyst": 1, "admin": 2, "owner": 3}
INVITABLE_ROLES = [Role.MEMBER, Role.ANALYST, Role.ADMIN]

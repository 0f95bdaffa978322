"""What every page's header needs: the signed-in person's organizations (for the switcher)."""

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from memberships.selectors import user_organizations


def navigation(request: HttpRequest) -> dict[str, Any]:
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    user = request.user
    # Lazy: pages that render their own list (or no header) never query.
    return {"my_organizations": SimpleLazyObject(lambda: user_organizations(user))}

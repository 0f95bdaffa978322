"""What every page's header needs: the signed-in person's organizations (for the switcher)."""

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def navigation(request: HttpRequest) -> dict[str, Any]:
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    from causeloop.web.pages.base import user_organizations

    # Lazy: pages that render their own list (or no header) never query.
    return {"my_organizations": SimpleLazyObject(lambda: user_organizations(request.user))}

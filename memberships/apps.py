from django.apps import AppConfig


class MembershipsConfig(AppConfig):
    name = "memberships"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from memberships import accounts  # noqa: F401 - connects the sign-up signal

from django.apps import AppConfig


class MembershipsConfig(AppConfig):
    name = "memberships"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Receivers connect when their module is imported, once the models are ready.
        from memberships import signals  # noqa: F401

from django.apps import AppConfig
from django.core import checks


class DirectoryConfig(AppConfig):
    name = "directory"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Receivers connect when their module is imported, once the models are ready.
        from directory import signals  # noqa: F401
        from directory.dns import check_resolver_setting

        checks.register(check_resolver_setting)

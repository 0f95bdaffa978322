from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "directory"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from directory import signals  # noqa: F401 - connects the receivers

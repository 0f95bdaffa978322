from django.apps import AppConfig


class CauseloopConfig(AppConfig):
    """Cross-cutting glue that needs tables: API idempotency records, database-level
    tenant isolation."""

    name = "causeloop"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from causeloop import schema  # noqa: F401 - registers the OpenAPI extensions

"""`/api/v1/` routes (filled in by the REST API)."""

urlpatterns: list = []

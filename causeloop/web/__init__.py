"""The web layer, above the apps: base classes for API endpoints and pages, authentication,
idempotency, throttles, middleware and every URL."""

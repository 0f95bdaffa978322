"""Webhooks: an organization's events delivered to its own systems, signed, retried, never lost
(SPEC §10). Events are the outbox `organizations.events` writes; this app relays them to the
endpoints that want them and delivers them from the background workers."""

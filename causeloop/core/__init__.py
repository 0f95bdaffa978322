"""The foundation every app stands on: errors, IDs, crypto, database helpers and the tenancy
context. It imports no app and nothing from the web layer."""

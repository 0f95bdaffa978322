"""Business rules for people in organizations, one module per concept: `accounts`, `active`
(the active organization), `members`, `invitations`, `invite_codes`, `tokens` and `erasure`."""

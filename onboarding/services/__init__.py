"""Onboarding's services, one module per concept: `onboard` (provisioning a client from an
`OnboardRequest`), `batch` (many clients at once, set-based, for the CSV importer), `dryrun`
(checking one without writing), `offboard` (suspend, reinstate, purge, inspect) and `wizard`
(self-service setup and personal organizations)."""

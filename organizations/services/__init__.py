"""Business rules for organizations, one module per concept: organizations (settings and
status), plans, branding, api_keys, templates and export. Creating and deleting an
organization needs its owner's membership, so it lives above, in `onboarding.lifecycle`."""

"""The directory's rules: domains (`domains`), SCIM tokens (`scim_tokens`) and the people an
identity provider manages (`scim_users`, `scim_groups`)."""

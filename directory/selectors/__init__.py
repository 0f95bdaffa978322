"""Reads of the directory, by concept: `domains` (verified domains and whom they let in) and
`scim` (SCIM tokens and the directory's people)."""

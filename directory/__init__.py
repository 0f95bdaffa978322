"""A company's hold on its people (SPEC §11): verified email domains and their join policies,
and directory sync over SCIM 2.0 (tokens, and the directory's record of each person)."""

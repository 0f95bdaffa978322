"""`/scim/v2/`: the SCIM 2.0 service (RFC 7644) through which an organization's identity
provider manages its people, authenticated by the organization's SCIM token. Its rules are the
directory app's (`directory.services`); these views translate HTTP and SCIM to them."""

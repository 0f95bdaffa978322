"""The one rate-limit policy of the pages, the API and the platform admin's login.

`RATE_LIMITS` names every limit once, in django-allauth's syntax (`amount/period/per`, `per`
being `ip`, `user` or `key`; periods `s`, `m`, `h`, `d`, and `5m` is five minutes). Settings
hand it to allauth as `ACCOUNT_RATE_LIMITS`, so the sign-in, sign-up and password-reset pages
apply it as they are; the API's throttles, the platform admin's login and the invitation pages
count through the same machinery into the same counters (`causeloop.web.throttling`,
`causeloop.web.signin`). A password guess made on the login page, at `POST /auth/tokens` or at
`/platform-admin/login/` spends one allowance.

Counters live in the default cache, which every app process shares (the database cache unless
`CACHE_URL` names Redis). This module imports nothing but settings: the settings import it.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings

RATE_LIMITS: dict[str, str] = {
    # Password guesses: the login page, `POST /auth/tokens`, `/platform-admin/login/`. A failed
    # guess counts; a right password gives its guess back.
    "login_failed": "10/m/ip,5/5m/key",
    # Any sign-in attempt from one address: the login page and `POST /auth/tokens`.
    "login": "30/m/ip",
    # New accounts: the sign-up page and `POST /auth/register`.
    "signup": "10/m/ip",
    # Password-reset mails: per address, and per account mailed.
    "reset_password": "20/m/ip,5/h/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    # Joining an organization: accepting an invitation (API), an invite code (API and wizard).
    "join": "30/m/ip,30/m/user",
    # Invitation mails, new or resent (API and pages): per sender's address and per organization;
    # per invited email, across every organization; per invitation, for resends.
    "invitation_send": "20/h/ip,50/h/key",
    "invitation_recipient": "10/h/key",
    "invitation_resend": "3/h/key",
    # Domain verifications (each one a DNS lookup that may wait out its timeout): per address
    # and per organization, API and page alike.
    "domain_verify": "20/m/ip,60/h/key",
    # An identity provider's changes through `/scim/v2/`, per SCIM token (providers share
    # their addresses between customers, so no address rate).
    "scim": "1200/m/key",
}


def client_address(request: Any) -> str:
    """The client's IP address: the connection's, unless `CAUSELOOP_TRUSTED_PROXIES` proxies
    stand in front; then the address the outermost of them saw. Each proxy appends the address
    it saw to `X-Forwarded-For`, so the entries a client can forge are only those on the left."""
    remote = str(request.META.get("REMOTE_ADDR") or "")
    proxies = int(settings.CAUSELOOP_TRUSTED_PROXIES)
    if proxies <= 0:
        return remote
    header = str(request.META.get("HTTP_X_FORWARDED_FOR") or "")
    forwarded = [part.strip() for part in header.split(",") if part.strip()]
    if len(forwarded) < proxies:
        return remote  # it did not come through every proxy: only the connection is known
    try:
        return str(ipaddress.ip_address(forwarded[-proxies]))
    except ValueError:
        return remote  # not an address our proxies would write


def login_key(login: str) -> str:
    """The account a password guess or a mail is about, compared as the user lookup does."""
    return login.strip().lower()

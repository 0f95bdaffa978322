"""The Standard Webhooks signature scheme (https://www.standardwebhooks.com): a `whsec_` secret
(base64 of random bytes), and `v1,` + base64(HMAC-SHA256(secret, "id.timestamp.body")).

Written out here because it is five lines of the specification; the tests check every request
against the `standardwebhooks` package's verifier instead of against this code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32  # the specification allows 24 to 64


def new_secret() -> str:
    """A fresh signing secret in the specification's format."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def signature(secret: str, *, msg_id: str, timestamp: int, body: bytes) -> str:
    """One `v1,…` signature of a message under `secret`."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_header(secrets_in_use: list[str], *, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header: one signature per secret in use, space-separated (during
    a rotation, the new secret's and the previous one's, so either verifies)."""
    return " ".join(
        signature(secret, msg_id=msg_id, timestamp=timestamp, body=body)
        for secret in secrets_in_use
    )

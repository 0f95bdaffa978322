"""Secrets: generation, keyed hashing for lookup, and encryption of secrets kept for replay.

Every credential (API key, personal token, invitation token) is stored only as an
HMAC-SHA-256 of `CAUSELOOP_MASTER_KEY`, so lookup is one indexed equality query and no slow
password hash runs per request.
"""

import base64
import hashlib
import hmac
import secrets
from functools import cache

from cryptography.fernet import Fernet
from django.conf import settings


def random_secret(nbytes: int = 24) -> str:
    """A URL-safe random string carrying `nbytes` bytes of entropy (24 bytes = 192 bits)."""
    return secrets.token_urlsafe(nbytes)


def keyed_hash(value: str) -> str:
    """The HMAC-SHA-256 of `value` under the master key, hex encoded."""
    key = settings.CAUSELOOP_MASTER_KEY.encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


@cache
def _fernet(master_key: str) -> Fernet:
    derived = hashlib.sha256(b"causeloop-stored-secrets:" + master_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def encrypt(plaintext: bytes, *, at: int | None = None) -> bytes:
    """`plaintext` sealed under the master key (authenticated; stamped with the time, or `at`)."""
    fernet = _fernet(settings.CAUSELOOP_MASTER_KEY)
    return fernet.encrypt(plaintext) if at is None else fernet.encrypt_at_time(plaintext, at)


def decrypt(token: bytes, *, ttl: int | None = None) -> bytes:
    """What `encrypt` sealed; `InvalidToken` if tampered with, or sealed more than `ttl`
    seconds ago."""
    return _fernet(settings.CAUSELOOP_MASTER_KEY).decrypt(token, ttl=ttl)

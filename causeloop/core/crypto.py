"""Secrets: generation, keyed hashing for lookup, and encryption of secrets kept for replay.

Every credential (API key, personal token, invitation token) is stored only as an
HMAC-SHA-256 of `CAUSELOOP_MASTER_KEY`, so lookup is one indexed equality query and no slow
password hash runs per request.

Rotating the master key (README, "Rotating the master key"): the new key becomes
`CAUSELOOP_MASTER_KEY` and the old one moves to `CAUSELOOP_OLD_MASTER_KEYS`. Encryption then
uses the new key and decryption tries the new one, then each old one (`MultiFernet`);
`manage.py rotate_master_key` seals every stored secret again under the new key. A keyed hash
cannot be recomputed without the secret it hashes, so lookups match the hash under any of the
keys in one query (`keyed_hashes`, `key_hash IN (…)`) and a credential found under an old
key is hashed again under the new one when it is used.
"""

import base64
import hashlib
import hmac
import secrets
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def random_secret(nbytes: int = 24) -> str:
    """A URL-safe random string carrying `nbytes` bytes of entropy (24 bytes = 192 bits)."""
    return secrets.token_urlsafe(nbytes)


def master_keys() -> tuple[str, ...]:
    """The current master key first, then the old ones still accepted."""
    old = getattr(settings, "CAUSELOOP_OLD_MASTER_KEYS", ())
    return (settings.CAUSELOOP_MASTER_KEY, *(key for key in old if key))


def _hash(key: str, value: str) -> str:
    return hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()


def keyed_hash(value: str) -> str:
    """The HMAC-SHA-256 of `value` under the current master key, hex encoded."""
    return _hash(settings.CAUSELOOP_MASTER_KEY, value)


def keyed_hashes(value: str) -> list[str]:
    """`value`'s keyed hash under the current key, then under each old key: a lookup matches
    any of them (`…__in=`) in one query, so credentials issued before a rotation keep working."""
    return list(dict.fromkeys(_hash(key, value) for key in master_keys()))


@cache
def _fernet(master_key: str) -> Fernet:
    derived = hashlib.sha256(b"causeloop-stored-secrets:" + master_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


@cache
def _multi_fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([_fernet(key) for key in keys])


def encrypt(plaintext: bytes, *, at: int | None = None) -> bytes:
    """`plaintext` sealed under the current master key (authenticated; stamped with the time,
    or `at`)."""
    fernet = _fernet(settings.CAUSELOOP_MASTER_KEY)
    return fernet.encrypt(plaintext) if at is None else fernet.encrypt_at_time(plaintext, at)


def decrypt(token: bytes, *, ttl: int | None = None) -> bytes:
    """What `encrypt` sealed, under the current master key or an old one; `InvalidToken` if
    tampered with, sealed under no key we know, or sealed more than `ttl` seconds ago."""
    return _multi_fernet(master_keys()).decrypt(token, ttl=ttl)


def reseal(token: bytes) -> bytes | None:
    """`token` sealed again under the current master key (its time stamp kept), or None when it
    already is; `InvalidToken` if no known key opens it."""
    try:
        _fernet(settings.CAUSELOOP_MASTER_KEY).decrypt(token)
    except InvalidToken:
        return _multi_fernet(master_keys()).rotate(token)
    return None

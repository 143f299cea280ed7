"""Who is calling: a pluggable ``CallerAuthenticator`` turns the transport's evidence into a subsystem id,
and the gateway refuses the call unless it equals ``X-Road-Client``.

TEMPORARY (this session): an API key per subsystem in ``X-SPLP-Api-Key`` (``splp_<key_id>_<secret>``),
or — only when ``SPBE_INTEROP_TRUST_LOOPBACK=true``, never in production — trusting ``X-Road-Client``
from 127.0.0.1/::1 without a key. mTLS client certificates from the platform CA and OAuth2 client
credentials (``private_key_jwt``) will be further authenticators behind the same protocol.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Protocol

from spbe.interop.identifiers import ClientId
from spbe.interop.snapshot import Snapshot

API_KEY_HEADER = b"x-splp-api-key"
LOOPBACK = frozenset({"127.0.0.1", "::1"})


class AuthenticationFailed(Exception):
    """The caller's evidence is missing, wrong, or names another subsystem."""


class CallerAuthenticator(Protocol):
    def authenticate(self, snapshot: Snapshot, claimed: ClientId, api_key: bytes | None, peer: str | None) -> None:
        """Return when the caller is ``claimed``; raise ``AuthenticationFailed`` otherwise."""


class ApiKeyAuthenticator:
    """TEMPORARY: API keys, with the optional loopback trust for development."""

    def __init__(self, *, trust_loopback: bool = False) -> None:
        self.trust_loopback = trust_loopback

    def authenticate(self, snapshot: Snapshot, claimed: ClientId, api_key: bytes | None, peer: str | None) -> None:
        if api_key is None:
            if self.trust_loopback and peer in LOOPBACK:
                return
            raise AuthenticationFailed("caller authentication is required (X-SPLP-Api-Key)")
        owner = _key_owner(snapshot, api_key)
        if owner is None:
            raise AuthenticationFailed("unknown or revoked API key")
        if owner != claimed:
            raise AuthenticationFailed("the authenticated subsystem does not match X-Road-Client")


def _key_owner(snapshot: Snapshot, api_key: bytes) -> ClientId | None:
    try:
        prefix, key_id, secret = api_key.decode("ascii").split("_")
    except (UnicodeDecodeError, ValueError):
        return None
    owner = snapshot.key_index.get(key_id) if prefix == "splp" else None
    if owner is None:
        return None
    expected = snapshot.clients[owner].key_hashes.get(key_id, "")
    actual = hashlib.sha256(secret.encode()).hexdigest()
    return owner if hmac.compare_digest(expected, actual) else None

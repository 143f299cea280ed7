"""Who is calling: a ``CallerAuthenticator`` turns the caller's credentials into a subsystem, and the
call is refused (``Client.AuthenticationFailed``) unless that subsystem equals ``X-Road-Client``.

Credentials, strongest first — the first one the caller presents is the one that counts:

1. a TLS client certificate issued by the platform CA (``spbe interop cert issue``). The TLS layer has
   already verified its chain against the CA; here its SHA-256 fingerprint must be one the platform
   recorded for a subsystem, and not revoked;
2. ``Authorization: Bearer <token>``: an IKD machine client's access token (``tokens.py``), whose client is
   linked to a subsystem (``spbe interop oauth-client link``);
3. ``X-SPLP-Api-Key: splp_<key_id>_<secret>`` — development and legacy only (``SPBE_INTEROP_API_KEYS``);
4. nothing — accepted only with ``SPBE_INTEROP_TRUST_LOOPBACK=true`` from 127.0.0.1/::1, never in production.

Every lookup is in the configuration snapshot: no database read per call.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Protocol

from spbe.interop.identifiers import ClientId
from spbe.interop.snapshot import Snapshot
from spbe.interop.tokens import GatewayTokens, TokenRefused

API_KEY_HEADER = b"x-splp-api-key"
LOOPBACK = frozenset({"127.0.0.1", "::1"})
MISMATCH = "the authenticated subsystem does not match X-Road-Client"


class AuthenticationFailed(Exception):
    """The caller's evidence is missing, wrong, or names another subsystem."""


@dataclass(slots=True)
class Credentials:
    """What the caller presented: an API key, a bearer token, its address and the SHA-256 fingerprint of
    the TLS client certificate the server verified (``None`` without TLS or without a certificate)."""

    api_key: bytes | None = None
    bearer: bytes | None = None
    peer: str | None = None
    peer_certificate: str | None = None


class CallerAuthenticator(Protocol):
    def authenticate(self, snapshot: Snapshot, claimed: ClientId, credentials: Credentials) -> None:
        """Return when the caller is ``claimed``; raise ``AuthenticationFailed`` otherwise."""


class ApiKeyAuthenticator:
    """API keys only (development, legacy), with the optional loopback trust for development."""

    def __init__(self, *, trust_loopback: bool = False) -> None:
        self.trust_loopback = trust_loopback

    def authenticate(self, snapshot: Snapshot, claimed: ClientId, credentials: Credentials) -> None:
        if credentials.api_key is None:
            if self.trust_loopback and credentials.peer in LOOPBACK:
                return
            raise AuthenticationFailed("caller authentication is required (X-SPLP-Api-Key)")
        _require(key_owner(snapshot, credentials.api_key), claimed, "unknown or revoked API key")


class PlatformAuthenticator:
    """Client certificates of the platform CA, IKD access tokens, then (if allowed) API keys."""

    def __init__(self, tokens: GatewayTokens, *, api_keys: bool = True, trust_loopback: bool = False) -> None:
        self.tokens, self.api_keys, self.trust_loopback = tokens, api_keys, trust_loopback

    def authenticate(self, snapshot: Snapshot, claimed: ClientId, credentials: Credentials) -> None:
        if credentials.peer_certificate is not None:
            _require(certificate_owner(snapshot, credentials.peer_certificate), claimed, "")
        elif credentials.bearer is not None:
            _require(self._token_owner(snapshot, credentials.bearer), claimed, "")
        elif credentials.api_key is not None and self.api_keys:
            _require(key_owner(snapshot, credentials.api_key), claimed, "unknown or revoked API key")
        elif not (self.trust_loopback and credentials.peer in LOOPBACK):
            raise AuthenticationFailed(
                "caller authentication is required: a client certificate of the platform CA or "
                "'Authorization: Bearer <IKD access token>'" + (" (or X-SPLP-Api-Key)" if self.api_keys else "")
            )

    def _token_owner(self, snapshot: Snapshot, bearer: bytes) -> ClientId:
        try:
            client_id = self.tokens.client_id(bearer.decode("ascii"), snapshot.trust.token_keys)
        except UnicodeDecodeError:
            raise AuthenticationFailed("the bearer token is malformed") from None
        except TokenRefused as exc:
            raise AuthenticationFailed(f"access token refused: {exc}") from None
        owner = snapshot.trust.oauth_clients.get(client_id)
        if owner is None:
            raise AuthenticationFailed(f"OAuth client {client_id!r} is not linked to a subsystem")
        return owner


def certificate_owner(snapshot: Snapshot, fingerprint: str) -> ClientId:
    owner = snapshot.trust.certificates.get(fingerprint)
    if owner is not None:
        return owner
    if fingerprint in snapshot.trust.revoked:
        raise AuthenticationFailed("the client certificate has been revoked")
    raise AuthenticationFailed("the client certificate is not registered to any subsystem")


def _require(owner: ClientId | None, claimed: ClientId, unknown: str) -> None:
    if owner is None:
        raise AuthenticationFailed(unknown)
    if owner != claimed:
        raise AuthenticationFailed(MISMATCH)


def key_owner(snapshot: Snapshot, api_key: bytes) -> ClientId | None:
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

"""IKD access tokens at the gateway: ``Authorization: Bearer <token>`` from a machine client (client
credentials with ``private_key_jwt``, issued at ``/oidc/token``).

The token is checked by ``spbe.core.tokens``' verifier (signature by a published key, ``alg`` not
``none``/``HS*``, ``iss`` = the platform, ``exp``/``nbf`` with 30 s leeway, a ``kind``), but against the
identity provider's public keys carried in the gateway's configuration snapshot: no database read per
call, and tokens keep verifying through a central outage. On top of that the gateway requires:

- ``kind`` = ``machine`` (resident and staff tokens are refused: a person's token never calls SPLP);
- ``client_id`` = ``sub`` (the machine client acting for itself);
- ``aud``, when present, naming the platform (``SPBE_INTEROP_TOKEN_AUDIENCE``, default the issuer);
- the scope ``SPBE_INTEROP_TOKEN_SCOPE`` when that is set (default empty: IKD machine clients carry no
  scopes today; linking the client to a subsystem is what grants it the right to call).

A verified token is remembered until it expires (keyed by the whole token string, bounded), so a client
reusing its token costs one dictionary lookup per call rather than an ECDSA verification.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from spbe.core.errors import Unauthorized
from spbe.core.keys.crypto import KeyMaterial, b64url_decode
from spbe.core.tokens import LEEWAY_SECONDS, PublishedKeys, verifier_for_keys

MACHINE = "machine"
CACHE_LIMIT = 10_000


class TokenRefused(Exception):
    """The bearer token is not an acceptable IKD machine-client access token."""


class SnapshotKeys(PublishedKeys):
    """``PublishedKeys`` served from the snapshot the current call uses (set just before verifying)."""

    def __init__(self) -> None:
        self.keys: Mapping[str, KeyMaterial] = {}

    def get(self, kid: str) -> KeyMaterial | None:
        return self.keys.get(kid)


@dataclass(frozen=True, slots=True)
class _Accepted:
    client_id: str
    kid: str
    expires: float


class GatewayTokens:
    """Bearer token → IKD machine client id, or ``TokenRefused``."""

    def __init__(self, issuer: str, *, audience: str | None = None, scope: str = "", leeway: int = LEEWAY_SECONDS):
        self.issuer = issuer.rstrip("/")
        self.audience = audience or self.issuer
        self.scope = scope
        self.leeway = leeway
        self._keys = SnapshotKeys()
        self._verify = verifier_for_keys(self._keys, self.issuer, leeway=leeway)
        self._accepted: dict[str, _Accepted] = {}

    def client_id(self, token: str, keys: Mapping[str, KeyMaterial]) -> str:
        accepted = self._accepted.get(token)
        now = time.time()
        if accepted is not None and now < accepted.expires and accepted.kid in keys:
            return accepted.client_id
        if accepted is not None:
            del self._accepted[token]
        accepted = self._check(token, keys)
        if len(self._accepted) >= CACHE_LIMIT:
            self._accepted.clear()
        self._accepted[token] = accepted
        return accepted.client_id

    def _check(self, token: str, keys: Mapping[str, KeyMaterial]) -> _Accepted:
        self._keys.keys = keys
        try:
            principal = self._verify(token)
        except Unauthorized as exc:
            raise TokenRefused(exc.detail) from None
        if principal.kind != MACHINE:
            raise TokenRefused(f"only machine-client access tokens are accepted, not a {principal.kind} token")
        header, claims = _parts(token)
        client_id = claims.get("client_id")
        if not isinstance(client_id, str) or client_id != principal.subject:
            raise TokenRefused("the token is not a machine client's own token (client_id must equal sub)")
        self._check_audience(claims.get("aud"))
        self._check_scope(claims.get("scope"))
        return _Accepted(client_id, str(header["kid"]), float(claims["exp"]) + self.leeway)

    def _check_audience(self, audience: object) -> None:
        if audience is None:
            return
        names = audience if isinstance(audience, list) else [audience]
        if self.audience not in names:
            raise TokenRefused("the token is meant for another audience")

    def _check_scope(self, scope: object) -> None:
        if self.scope and (not isinstance(scope, str) or self.scope not in scope.split()):
            raise TokenRefused(f"the token lacks the {self.scope!r} scope")


def _parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims of a token whose signature was just verified."""
    header, payload, _ = token.split(".")
    return json.loads(b64url_decode(header)), json.loads(b64url_decode(payload))

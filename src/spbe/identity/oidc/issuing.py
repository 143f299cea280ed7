"""Signing what the provider issues: JWT access tokens (RFC 9068, read by ``spbe.core.tokens``) and ID tokens.

Both are signed with the key store's active ``oidc`` key (ES256), whose successor is published in the
JWKS one rotation before it signs anything.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from joserfc import jwt
from sqlalchemy.orm import Session

from spbe.core.config import get_settings
from spbe.core.keys import service as keys
from spbe.core.keys.schemas import Purpose
from spbe.identity import secrets
from spbe.identity.accounts import Subject
from spbe.identity.oidc.adapters import Client

SessionSource = Session | Callable[[], Session]


class SignerCache:
    """The active ``oidc`` signer, re-read every ``ttl`` seconds instead of once per transaction.

    After a rotation this process may sign with the previous key for up to ``ttl`` seconds; that key
    stays published (retired keys remain in the JWKS for days), so its tokens still verify.
    """

    def __init__(self, ttl: float = 10.0) -> None:
        self.ttl = ttl
        self._signer: keys.Signer | None = None
        self._until = 0.0

    def get(self, session: SessionSource) -> keys.Signer:
        now = time.monotonic()
        if self._signer is None or now >= self._until:
            self._signer, self._until = keys.signer(_session(session), Purpose.oidc), now + self.ttl
        return self._signer

    def fresh(self) -> bool:
        """Whether ``get`` would answer without the database (the token fast path checks it first)."""
        return self._signer is not None and time.monotonic() < self._until


def _session(source: SessionSource) -> Session:
    return source if isinstance(source, Session) else source()


def sign(session: SessionSource, claims: dict[str, Any], typ: str, signers: SignerCache | None = None) -> str:
    """Sign with the active key; ``session`` may be a callable, called only when the key must be read."""
    signer = signers.get(session) if signers is not None else keys.signer(_session(session), Purpose.oidc)
    header = {"alg": signer.algorithm, "kid": signer.kid, "typ": typ}
    return jwt.encode(header, claims, signer.material.key, algorithms=[signer.algorithm])


def subject_identifier(subject: Subject, client: Client) -> str:
    """``sub`` as this client sees it: pairwise per sector for residents, the username for staff."""
    if subject.kind == "resident":
        return secrets.pairwise(client.row.sector_identifier, subject.local_id)
    return f"staff:{subject.local_id}"


def userinfo_url(issuer: str) -> str:
    return issuer + "/oidc/userinfo"


def access_token_audience(issuer: str, client: Client) -> str | list[str]:
    """Who may accept the token. An ordinary RP's token is for userinfo only; the platform's own web client
    and machine clients also get the platform API audience (the issuer), which ``spbe.core.tokens`` requires
    — so an RP cannot replay a resident's token against the platform's APIs."""
    if client.row.kind == "machine" or client.get_client_id() == get_settings().web_client_id:
        return [issuer, userinfo_url(issuer)]
    return userinfo_url(issuer)


def access_token_claims(
    issuer: str, client: Client, subject: Subject | None, scope: str, ttl: int, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Claims ``spbe.core.tokens`` maps to a ``Principal``: sub, kind, agency, roles (plus RFC 9068's)."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": access_token_audience(issuer, client),
        "client_id": client.get_client_id(),
        "scope": scope,
        "iat": now,
        "nbf": now,
        "exp": now + ttl,
        "jti": uuid.uuid4().hex,
    }
    if subject is None:  # a machine client acting for itself
        claims.update(
            sub=client.get_client_id(), kind="machine", agency=client.row.agency_code, roles=list(client.row.roles)
        )
    elif subject.kind == "staff":
        claims.update(
            sub=subject_identifier(subject, client), kind="staff", agency=subject.agency_code, roles=list(subject.roles)
        )
    else:
        claims.update(sub=subject_identifier(subject, client), kind="resident", roles=[])
    claims.update(extra or {})
    return claims

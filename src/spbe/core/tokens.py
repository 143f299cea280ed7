"""Bearer tokens checked in ``core`` against the platform's published keys (see ``spbe.core.security``).

Any module can authenticate callers without importing ``identity``, which issues most tokens: a token is
accepted when it is a JWS signed by a published key (``active``, ``next`` or recently ``retired``) of a
token-signing purpose, names this platform as ``iss``, is within ``nbf``/``exp`` and names a ``sub`` and
a ``kind``. Unsigned (``alg: none``) and symmetric (``HS*``) tokens are refused outright, so nobody can
mint a token from a public key or a shared secret. ID tokens carry no ``kind`` and are refused too.

The verifier of ``make_token_verifier`` also requires ``aud`` to name the platform (the issuer): a token the
OP issued to an ordinary relying party names only its userinfo endpoint, so an RP cannot replay a
resident's token against the platform's APIs. And it refuses revoked tokens: whoever revokes one (the OP's
revocation endpoint, logout, consent withdrawal) writes its ``jti`` to the ``revoked_token`` table with
``revoke``; verifiers read the list into memory every ``REVOCATION_TTL_SECONDS`` (no read per request).

Claims mapped to ``Principal``: ``sub``; ``kind`` (or a ``typ`` claim) — resident, staff, machine or
system; ``agency`` — the agency (instansi) code; ``roles`` — a list of strings.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

from joserfc import jws, jwt
from joserfc.errors import (
    BadSignatureError,
    ClaimError,
    ExpiredTokenError,
    InvalidClaimError,
    JoseError,
    MissingClaimError,
)
from sqlalchemy import String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from spbe.core.config import Settings, get_settings
from spbe.core.db import Base, utcnow
from spbe.core.errors import BadRequest, Unauthorized
from spbe.core.keys import crypto
from spbe.core.keys import service as keys
from spbe.core.keys.crypto import KeyMaterial
from spbe.core.keys.schemas import Purpose
from spbe.core.security import Principal, TokenVerifier

TOKEN_PURPOSES: tuple[str, ...] = (Purpose.platform, Purpose.oidc)
PRINCIPAL_KINDS = frozenset({"resident", "staff", "machine", "system"})
DEFAULT_TTL = dt.timedelta(minutes=15)
LEEWAY_SECONDS = 30  # clock skew between nodes
KEYS_TTL_SECONDS = 60.0  # how long a verifier trusts its copy of the published keys
MISS_REFRESH_SECONDS = 1.0  # an unknown kid reloads the keys at most this often
REVOCATION_TTL_SECONDS = 3.0  # a revocation reaches every verifier within this time

SessionFactory = Callable[[], Session]


def platform_issuer(settings: Settings) -> str:
    """The ``iss`` of platform tokens: the public URL without a trailing slash."""
    return settings.public_url.rstrip("/")


class RevokedToken(Base):
    """A revoked access token, kept until it would have expired anyway."""

    __tablename__ = "revoked_token"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)


def revoke(session: Session, jti: str, expires_at: dt.datetime) -> None:
    """Refuse the token ``jti`` everywhere from now on (within ``REVOCATION_TTL_SECONDS``); prunes expired."""
    session.execute(delete(RevokedToken).where(RevokedToken.expires_at < utcnow()))
    if session.get(RevokedToken, jti) is None:
        session.add(RevokedToken(jti=jti, expires_at=expires_at))
        session.flush()


class RevocationList:
    """A verifier's copy of the unexpired revoked ``jti``s, re-read every ``ttl`` seconds."""

    def __init__(self, session_factory: SessionFactory, ttl: float = REVOCATION_TTL_SECONDS) -> None:
        self._session_factory = session_factory
        self._ttl = ttl
        self._revoked: frozenset[str] = frozenset()
        self._loaded_at = float("-inf")
        self._lock = threading.Lock()

    def __contains__(self, jti: object) -> bool:
        with self._lock:
            if time.monotonic() - self._loaded_at >= self._ttl:
                self._reload()
            return jti in self._revoked

    def _reload(self) -> None:
        session = self._session_factory()
        try:
            query = select(RevokedToken.jti).where(RevokedToken.expires_at >= utcnow())
            self._revoked = frozenset(session.scalars(query))
        finally:
            session.close()
        self._loaded_at = time.monotonic()


class PublishedKeys:
    """A verifier's copy of the published keys (kid → public key), reloaded every ``ttl`` seconds and
    when an unknown kid shows up (rate-limited, so random kids cannot hammer the database)."""

    def __init__(self, session_factory: SessionFactory, purposes: Iterable[str], ttl: float = KEYS_TTL_SECONDS):
        self._session_factory = session_factory
        self._purposes = tuple(purposes)
        self._ttl = ttl
        self._keys: dict[str, KeyMaterial] = {}
        self._loaded_at = float("-inf")
        self._lock = threading.Lock()

    def get(self, kid: str) -> KeyMaterial | None:
        with self._lock:
            age = time.monotonic() - self._loaded_at
            if age >= self._ttl or (kid not in self._keys and age >= MISS_REFRESH_SECONDS):
                self._reload()
            return self._keys.get(kid)

    def _reload(self) -> None:
        session = self._session_factory()
        try:
            rows = keys.published_keys(session, self._purposes)
            self._keys = {row.kid: crypto.public_material(row.public_jwk) for row in rows}
        finally:
            session.close()
        self._loaded_at = time.monotonic()


class _Verifier:
    def __init__(
        self,
        published: PublishedKeys,
        issuer: str,
        leeway: int,
        audience: str | None = None,
        revoked: RevocationList | None = None,
    ) -> None:
        self._published = published
        self._issuer = issuer
        self._leeway = leeway
        self._audience = audience
        self._revoked = revoked

    def __call__(self, token: str) -> Principal:
        material = self._key_for(_header(token))
        claims = _decoded_claims(token, material)
        _check_claims(claims, self._issuer, self._leeway)
        if self._audience is not None:
            _check_audience(claims.get("aud"), self._audience)
        if self._revoked is not None and claims.get("jti") in self._revoked:
            raise Unauthorized("The token has been revoked.")
        return _principal(claims)

    def _key_for(self, header: Mapping[str, Any]) -> KeyMaterial:
        algorithm = _accepted_algorithm(header.get("alg"))
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise Unauthorized("The token names no signing key (kid).")
        material = self._published.get(kid)
        if material is None:
            raise Unauthorized("The token is signed by an unknown key.")
        if material.algorithm != algorithm:
            raise Unauthorized("The token's algorithm does not match its key.")
        return material


def make_token_verifier(
    session_factory: SessionFactory,
    issuer: str,
    *,
    purposes: Collection[str] = TOKEN_PURPOSES,
    leeway: int = LEEWAY_SECONDS,
) -> TokenVerifier:
    """A ``TokenVerifier`` for ``app.state.token_verifier``: bearer JWT → ``Principal`` or ``Unauthorized``.
    ``aud`` must name the platform (``issuer``); revoked tokens are refused."""
    published = PublishedKeys(session_factory, purposes)
    return _Verifier(published, issuer, leeway, audience=issuer, revoked=RevocationList(session_factory))


def verifier_for_keys(published: PublishedKeys, issuer: str, *, leeway: int = LEEWAY_SECONDS) -> TokenVerifier:
    """The same checks against keys the caller keeps itself (a ``PublishedKeys`` subclass), e.g. the SPLP
    gateway, which carries the published keys in its configuration snapshot and never reads them per call.
    It checks neither ``aud`` (the caller does) nor the revocation list (it has no database)."""
    return _Verifier(published, issuer, leeway)


def _header(token: str) -> dict[str, Any]:
    try:
        header: dict[str, Any] = jws.extract_compact(token.encode("ascii")).headers()
    except (JoseError, ValueError, UnicodeEncodeError):
        raise Unauthorized("The bearer token is malformed.") from None
    return header


def _accepted_algorithm(algorithm: object) -> str:
    if not isinstance(algorithm, str) or algorithm.lower() == "none":
        raise Unauthorized("Unsigned tokens (alg none) are not accepted.")
    if algorithm.upper().startswith("HS"):
        raise Unauthorized("Symmetric tokens (HS*) are not accepted.")
    if algorithm not in crypto.ALGORITHMS:
        raise Unauthorized(f"Tokens signed with {algorithm} are not accepted.")
    return algorithm


def _decoded_claims(token: str, material: KeyMaterial) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(token, material.key, algorithms=[material.algorithm]).claims
    except BadSignatureError:
        raise Unauthorized("The token's signature is invalid.") from None
    except (JoseError, ValueError):
        raise Unauthorized("The bearer token is malformed.") from None
    return claims


def _check_claims(claims: dict[str, Any], issuer: str, leeway: int) -> None:
    registry = jwt.JWTClaimsRegistry(
        leeway=leeway,
        iss={"essential": True, "value": issuer},
        sub={"essential": True},
        exp={"essential": True},
    )
    try:
        registry.validate(claims)
    except ClaimError as error:
        raise Unauthorized(_claim_reason(error)) from None


def _check_audience(audience: object, expected: str) -> None:
    names = audience if isinstance(audience, list) else [audience]
    if audience is None:
        raise Unauthorized("The token lacks the aud claim.")
    if expected not in names:
        raise Unauthorized("The token is not meant for the platform's APIs (aud).")


def _claim_reason(error: ClaimError) -> str:
    if isinstance(error, ExpiredTokenError):
        return "The token has expired."
    if isinstance(error, MissingClaimError):
        return f"The token lacks the {error.claim} claim."
    reasons = {
        "iss": "The token was issued by another issuer.",
        "nbf": "The token is not valid yet.",
        "iat": "The token was issued in the future.",
    }
    if isinstance(error, InvalidClaimError) and error.claim in reasons:
        return reasons[error.claim]
    return f"The token's {error.claim} claim is invalid."


def _principal(claims: Mapping[str, Any]) -> Principal:
    kind = claims.get("kind") or claims.get("typ")
    if kind not in PRINCIPAL_KINDS:
        raise Unauthorized("The token does not name a kind of caller (resident, staff, machine, system).")
    roles = claims.get("roles", [])
    if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
        raise Unauthorized("The token's roles claim must be a list of strings.")
    agency = claims.get("agency")
    if agency is not None and not isinstance(agency, str):
        raise Unauthorized("The token's agency claim must be a string.")
    return Principal(subject=str(claims["sub"]), kind=str(kind), agency_code=agency, roles=frozenset(roles))


def issue_platform_token(
    session: Session,
    subject: str,
    kind: str,
    roles: Iterable[str] = (),
    agency_code: str | None = None,
    ttl: dt.timedelta = DEFAULT_TTL,
    *,
    issuer: str | None = None,
) -> str:
    """A short-lived access token signed with the platform key, for internal/system calls and tests.

    ``issuer`` defaults to this process's ``SPBE_PUBLIC_URL`` (what ``create_app`` verifies against).
    """
    if kind not in PRINCIPAL_KINDS:
        raise BadRequest(f"kind must be one of {', '.join(sorted(PRINCIPAL_KINDS))}, not {kind!r}.")
    signer = keys.signer(session, Purpose.platform)
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer or platform_issuer(get_settings()),
        "aud": issuer or platform_issuer(get_settings()),
        "sub": subject,
        "kind": kind,
        "roles": sorted(set(roles)),
        "iat": now,
        "nbf": now,
        "exp": now + int(ttl.total_seconds()),
        "jti": uuid.uuid4().hex,
    }
    if agency_code is not None:
        claims["agency"] = agency_code
    header = {"alg": signer.algorithm, "kid": signer.kid, "typ": "at+jwt"}
    return jwt.encode(header, claims, signer.material.key, algorithms=[signer.algorithm])

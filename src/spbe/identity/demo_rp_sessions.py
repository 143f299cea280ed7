"""The demo relying party's own sessions (in this process's memory: it is a demo) and its check of the
provider's back-channel logout tokens (OIDC Back-Channel Logout 1.0 §2.6)."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from typing import Any

from joserfc import jwt
from joserfc.jwk import KeySet
from sqlalchemy.orm import Session

from spbe.identity import backchannel, repository
from spbe.identity.seed import DEMO_RP_ID

SESSION_COOKIE = "demo_rp_session"
MAX_SEEN_JTI = 10_000


class LogoutTokenError(ValueError):
    """The logout token is not one this RP accepts."""


@dataclass(frozen=True)
class DemoSession:
    claims: dict[str, Any]
    id_token: dict[str, Any]
    raw_id_token: str = ""  # sent back as id_token_hint at logout

    def view(self) -> dict[str, Any]:
        return {"claims": self.claims, "id_token": self.id_token}


class DemoSessions:
    """Session id → what the RP learned at sign-in; forgotten by the provider's ``sid`` or ``sub``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sessions: dict[str, DemoSession] = {}
        self._seen_jti: set[str] = set()

    def start(self, item: DemoSession) -> str:
        value = secrets.token_urlsafe(24)
        with self._lock:
            self._sessions[value] = item
        return value

    def get(self, value: str) -> DemoSession | None:
        with self._lock:
            return self._sessions.get(value)

    def forget(self, sid: object, sub: object) -> int:
        with self._lock:
            gone = [key for key, item in self._sessions.items() if _matches(item.id_token, sid, sub)]
            for key in gone:
                del self._sessions[key]
        return len(gone)

    def first_use(self, jti: str) -> bool:
        with self._lock:
            if jti in self._seen_jti:
                return False
            if len(self._seen_jti) >= MAX_SEEN_JTI:
                self._seen_jti.clear()
            self._seen_jti.add(jti)
            return True


def _matches(id_token: dict[str, Any], sid: object, sub: object) -> bool:
    if sid is not None:
        return bool(id_token.get("sid") == sid)
    return sub is not None and id_token.get("sub") == sub


sessions = DemoSessions()


def check_logout_token(token: str, keyset: KeySet, issuer: str, client_id: str) -> dict[str, Any]:
    """Verify a logout token as an RP must: signature, ``typ``, ``iss``, ``aud``, ``iat``/``exp``, the
    back-channel event, ``sid`` or ``sub``, no ``nonce``, and a ``jti`` not seen before."""
    decoded = jwt.decode(token, keyset, algorithms=["ES256", "PS256"])
    if decoded.header.get("typ") != backchannel.TOKEN_TYPE:
        raise LogoutTokenError("typ must be logout+jwt")
    claims: dict[str, Any] = decoded.claims
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": client_id},
        iat={"essential": True},
        exp={"essential": True},
        jti={"essential": True},
    ).validate(claims)
    events = claims.get("events")
    if not isinstance(events, dict) or backchannel.EVENT not in events:
        raise LogoutTokenError("the back-channel logout event is missing")
    if "nonce" in claims or ("sid" not in claims and "sub" not in claims):
        raise LogoutTokenError("a logout token has sid or sub and never a nonce")
    if not sessions.first_use(str(claims["jti"])):
        raise LogoutTokenError("this logout token was already used")
    return claims


def enable_demo_backchannel(session: Session) -> str:
    """Seed step: the demo RP receives back-channel logouts at ``/demo-rp/backchannel`` (idempotent)."""
    from spbe.core.config import get_settings

    row = repository.client(session, DEMO_RP_ID)
    if row is None:
        return "demo RP not registered"
    uri = f"{get_settings().public_url.rstrip('/')}/demo-rp/backchannel"
    if row.backchannel_logout_uri != uri:
        backchannel.set_logout_uri(session, row, uri, actor="seed")
    return f"demo RP back-channel logout at {uri}"

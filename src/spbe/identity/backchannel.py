"""OpenID Connect Back-Channel Logout 1.0: when a login session ends, tell every relying party of it.

The RPs of a session are those that received an authorization code in it (``AuthorizationCode.session_id``)
and registered a ``backchannel_logout_uri``. Each gets a logout token (a JWT with ``typ: logout+jwt``,
``iss``, ``aud``, ``iat``, ``exp``, ``jti``, ``sid`` — the ID token's ``sid`` — and ``sub``, the
``events`` member, never a ``nonce``) by an HTTP POST of ``logout_token=…``.

The tokens are signed inside the request's unit of work; the POSTs go out after the response is sent
(a Starlette background task), all at once with a short timeout, so a slow RP never holds the person's
page. Every result (status code or error) is audited in a unit of work of its own.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from fastapi import Request
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from spbe.core.audit import service as audit
from spbe.core.db import session_scope, utcnow
from spbe.core.deps import get_db_session
from spbe.core.errors import BadRequest
from spbe.identity import repository, secrets, sessions
from spbe.identity.models import LoginSession, OidcClient
from spbe.identity.oidc import issuing
from spbe.identity.oidc.adapters import Client

EVENT = "http://schemas.openid.net/event/backchannel-logout"
TOKEN_TYPE = "logout+jwt"  # noqa: S105 (the JWT typ, not a secret)
TOKEN_TTL = 120
TIMEOUT_SECONDS = 3.0
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class Delivery:
    """One logout token on its way to one RP."""

    client_id: str
    uri: str
    token: str
    sid: str


@dataclass(frozen=True)
class Outcome:
    client_id: str
    sid: str
    status: int | None
    error: str | None

    @property
    def delivered(self) -> bool:
        return self.status in (200, 204)


def check_uri(uri: str) -> str:
    """A back-channel logout URI: https (http only on loopback), absolute, no fragment."""
    parts = urlsplit(uri)
    loopback = parts.hostname in LOOPBACK
    if parts.fragment or not parts.hostname or parts.scheme not in ("https", "http"):
        raise BadRequest(f"Back-channel logout URI {uri!r} must be an absolute https URL without a fragment.")
    if parts.scheme == "http" and not loopback:
        raise BadRequest(f"Back-channel logout URI {uri!r} must be https (http only on loopback).")
    return uri


def set_logout_uri(session: Session, row: OidcClient, uri: str | None, actor: str = "system") -> None:
    """Register (or clear, with None) an RP's ``backchannel_logout_uri``; audited."""
    row.backchannel_logout_uri = check_uri(uri) if uri else None
    audit.append(
        session,
        actor=actor,
        action="identity.client.backchannel_logout_uri",
        object_type="identity_client",
        object_id=row.client_id,
        data={"uri": row.backchannel_logout_uri},
    )


def session_clients(session: Session, row: LoginSession) -> list[OidcClient]:
    """The active RPs that received a code in this login session."""
    ids = repository.client_ids_of_session(session, row.id)
    return [client for client in repository.clients(session, ids) if client.active]


def prepare(session: Session, issuer: str, row: LoginSession) -> list[Delivery]:
    """Signed logout tokens for every RP of the session that registered a back-channel URI."""
    subject = sessions.pending_subject(session, row)
    deliveries = []
    for client in session_clients(session, row):
        if client.backchannel_logout_uri:
            sub = issuing.subject_identifier(subject, Client(client)) if subject is not None else None
            sid = secrets.session_sid(row.sid_digest, client.sector_identifier)
            token = issuing.sign(session, logout_claims(issuer, client.client_id, sid, sub), TOKEN_TYPE)
            deliveries.append(Delivery(client.client_id, client.backchannel_logout_uri, token, sid))
    return deliveries


def logout_claims(issuer: str, client_id: str, sid: str, sub: str | None) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": client_id,
        "iat": now,
        "exp": now + TOKEN_TTL,
        "jti": uuid.uuid4().hex,
        "sid": sid,
        "events": {EVENT: {}},
    }
    if sub is not None:
        claims["sub"] = sub
    return claims


async def deliver(
    deliveries: list[Delivery], transport: httpx.AsyncBaseTransport | None = None, timeout: float | None = None
) -> list[Outcome]:
    """POST every logout token at once; each RP gets ``timeout`` seconds (default ``TIMEOUT_SECONDS``),
    redirects are not followed."""
    if not deliveries:
        return []
    limit = TIMEOUT_SECONDS if timeout is None else timeout
    async with httpx.AsyncClient(transport=transport, timeout=limit, follow_redirects=False) as http:
        return list(await asyncio.gather(*(_post(http, item) for item in deliveries)))


async def _post(http: httpx.AsyncClient, item: Delivery) -> Outcome:
    try:
        response = await http.post(item.uri, data={"logout_token": item.token})
    except httpx.HTTPError as error:
        return Outcome(item.client_id, item.sid, None, type(error).__name__)
    return Outcome(item.client_id, item.sid, response.status_code, None)


def record(session: Session, outcomes: list[Outcome]) -> None:
    for outcome in outcomes:
        audit.append(
            session,
            actor="ikd",
            action="identity.backchannel_logout",
            outcome="success" if outcome.delivered else "failure",
            object_type="identity_client",
            object_id=outcome.client_id,
            data={"sid": outcome.sid, "status": outcome.status, "error": outcome.error},
        )


def _transport(request: Request) -> httpx.AsyncBaseTransport | None:
    transport: httpx.AsyncBaseTransport | None = getattr(request.app.state, "backchannel_transport", None)
    return transport


def background(request: Request, deliveries: list[Delivery]) -> BackgroundTask | None:
    """The task that sends the tokens after the response and audits the outcomes (None: nothing to send)."""
    if not deliveries:
        return None

    async def run() -> None:
        outcomes = await deliver(deliveries, _transport(request))
        await run_in_threadpool(_record_in_own_unit, request, outcomes)

    return BackgroundTask(run)


def _record_in_own_unit(request: Request, outcomes: list[Outcome]) -> None:
    """Audit the outcomes in a write unit of work of their own (the request's is committed already);
    tests override ``get_db_session`` with their rolled-back session, which is used instead."""
    override = request.app.dependency_overrides.get(get_db_session)
    if override is None:
        with session_scope(request.app.state.session_factory, write=True) as session:
            record(session, outcomes)
        return
    units = override()
    record(next(units), outcomes)
    next(units, None)


def end_session(request: Request, session: Session, row: LoginSession | None) -> BackgroundTask | None:
    """End a login session at the provider and return the back-channel task to attach to the response."""
    if row is None:
        return None
    sessions.end(row)
    repository.revoke_access_of_session(session, row.id, utcnow())
    from spbe.identity.routes import provider_of

    return background(request, prepare(session, provider_of(request).issuer, row))

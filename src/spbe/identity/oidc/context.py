"""Per-request state for Authlib's callbacks (which take none): the database session, or — on the token
endpoint's in-memory fast path — no session and a list collecting the assertion ``jti`` values to record."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy.orm import Session

_session: ContextVar[Session | None] = ContextVar("identity_oidc_session", default=None)
_deferred: ContextVar[list[AssertionUse] | None] = ContextVar("identity_oidc_deferred_jti", default=None)


class NeedsDatabase(RuntimeError):
    """Raised on the fast path when a step needs the database (or other blocking I/O, such as fetching a
    client's ``jwks_uri``): the request is served again in a unit of work in a worker thread."""


@dataclass(frozen=True)
class AssertionUse:
    """A client assertion's ``jti`` that must be recorded (once, across all workers) before a token is sent."""

    client_id: str
    jti: str
    expires_at: dt.datetime


@contextmanager
def using(session: Session) -> Iterator[None]:
    token = _session.set(session)
    try:
        yield
    finally:
        _session.reset(token)


@contextmanager
def without_database(uses: list[AssertionUse]) -> Iterator[None]:
    """The fast path: no session (``current()`` raises ``NeedsDatabase``); ``jti`` values go to ``uses``."""
    session_token, deferred_token = _session.set(None), _deferred.set(uses)
    try:
        yield
    finally:
        _deferred.reset(deferred_token)
        _session.reset(session_token)


def current() -> Session:
    session = _session.get()
    if session is None:
        raise NeedsDatabase("this step needs the database")
    return session


def deferred_assertions() -> list[AssertionUse] | None:
    """Where the fast path collects ``jti`` values, or None when they go to the database at once."""
    return _deferred.get()

"""The database session of the request being served, for Authlib's callbacks (which take none)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy.orm import Session

_session: ContextVar[Session] = ContextVar("identity_oidc_session")


@contextmanager
def using(session: Session) -> Iterator[None]:
    token = _session.set(session)
    try:
        yield
    finally:
        _session.reset(token)


def current() -> Session:
    return _session.get()

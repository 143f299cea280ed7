"""All SQL of the key store."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from spbe.core.keys.models import SigningKey
from spbe.core.keys.schemas import KeyStatus

_CURRENT = (KeyStatus.active.value, KeyStatus.next.value)


def add(session: Session, key: SigningKey) -> SigningKey:
    session.add(key)
    session.flush()
    return key


def by_kid(session: Session, kid: str) -> SigningKey | None:
    return session.scalars(select(SigningKey).where(SigningKey.kid == kid)).one_or_none()


def current(session: Session, purpose: str, *, lock: bool = False) -> list[SigningKey]:
    """The ``active`` and ``next`` keys of ``purpose``, newest first; ``lock`` serialises rotations."""
    query = (
        select(SigningKey)
        .where(SigningKey.purpose == purpose, SigningKey.status.in_(_CURRENT))
        .order_by(SigningKey.id.desc())
        .execution_options(populate_existing=True)
    )
    if lock:
        query = query.with_for_update()
    return list(session.scalars(query))


def newest_active(session: Session, purpose: str) -> SigningKey | None:
    query = (
        select(SigningKey)
        .where(SigningKey.purpose == purpose, SigningKey.status == KeyStatus.active.value)
        .order_by(SigningKey.id.desc())
        .limit(1)
    )
    return session.scalars(query).one_or_none()


def listing(session: Session, purpose: str | None = None) -> list[SigningKey]:
    query = select(SigningKey).order_by(SigningKey.purpose, SigningKey.id)
    if purpose is not None:
        query = query.where(SigningKey.purpose == purpose)
    return list(session.scalars(query))


def published(session: Session, purposes: Iterable[str], retired_after: dt.datetime) -> list[SigningKey]:
    """Keys a verifier should know: current ones and those retired after ``retired_after``."""
    query = (
        select(SigningKey)
        .where(
            SigningKey.purpose.in_(list(purposes)),
            or_(
                SigningKey.status.in_(_CURRENT),
                (SigningKey.status == KeyStatus.retired.value) & (SigningKey.retired_at > retired_after),
            ),
        )
        .order_by(SigningKey.purpose, SigningKey.id)
    )
    return list(session.scalars(query))

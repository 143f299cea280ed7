"""All SQL of the audit log.

The chain is read with plain column rows (no ORM objects) in keyset-paginated batches by ``seq``, so a
walk over millions of records uses constant memory and the unique index on ``seq``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, RowMapping, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from spbe.core.audit.models import AuditHead, AuditRecord

HEAD_ID = 1
GENESIS_HASH = "0" * 64
"""The ``prev_hash`` of the first record and the ``record_hash`` of an empty log's head."""

CHAIN_COLUMNS = (
    AuditRecord.id,
    AuditRecord.seq,
    AuditRecord.occurred_at,
    AuditRecord.actor,
    AuditRecord.action,
    AuditRecord.object_type,
    AuditRecord.object_id,
    AuditRecord.outcome,
    AuditRecord.request_id,
    AuditRecord.data,
    AuditRecord.prev_hash,
    AuditRecord.record_hash,
    AuditRecord.key_id,
    AuditRecord.signature,
)


def lock_head(session: Session) -> AuditHead:
    """The head row, locked until the transaction ends (``FOR UPDATE``; SQLite's write lock is the
    ``BEGIN IMMEDIATE`` of the unit of work). Created on the first append, race-free."""
    head = _select_head_for_update(session)
    if head is None:
        _insert_head_if_missing(session)
        head = _select_head_for_update(session)
    assert head is not None, "inserted just above"
    return head


def _select_head_for_update(session: Session) -> AuditHead | None:
    query = select(AuditHead).where(AuditHead.id == HEAD_ID).with_for_update().execution_options(populate_existing=True)
    return session.scalars(query).one_or_none()


def _insert_head_if_missing(session: Session) -> None:
    values: dict[str, Any] = {"id": HEAD_ID, "seq": 0, "record_hash": GENESIS_HASH}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(postgresql_insert(AuditHead).values(values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        session.execute(sqlite_insert(AuditHead).values(values).on_conflict_do_nothing())
    else:  # other engines: the write lock of the unit of work must serialise first appends
        session.add(AuditHead(**values))
        session.flush()


def read_head(session: Session) -> RowMapping | None:
    """The head as stored right now (a plain row: never a stale object from the identity map)."""
    query = select(AuditHead.seq, AuditHead.record_hash, AuditHead.key_id, AuditHead.signature).where(
        AuditHead.id == HEAD_ID
    )
    return session.execute(query).mappings().one_or_none()


def add(session: Session, record: AuditRecord) -> AuditRecord:
    session.add(record)
    session.flush()
    return record


def chain_batch(session: Session, *, after_seq: int | None, limit: int) -> Sequence[RowMapping]:
    """Up to ``limit`` records in ``seq`` order, starting after ``after_seq`` (``None``: from the start)."""
    query = select(*CHAIN_COLUMNS).order_by(AuditRecord.seq).limit(limit)
    if after_seq is not None:
        query = query.where(AuditRecord.seq > after_seq)
    return session.execute(query).mappings().all()


def locate_hash(session: Session, record_hash: str) -> Row[int, int] | None:
    """Where the record with ``record_hash`` sits now (only called once a chain is broken)."""
    query = select(AuditRecord.id, AuditRecord.seq).where(AuditRecord.record_hash == record_hash).limit(1)
    return session.execute(query).one_or_none()


def has_records_after(session: Session, seq: int) -> bool:
    query = select(AuditRecord.id).where(AuditRecord.seq > seq).limit(1)
    return session.execute(query).first() is not None


def history(session: Session, object_type: str, object_id: str) -> list[AuditRecord]:
    query = (
        select(AuditRecord)
        .where(AuditRecord.object_type == object_type, AuditRecord.object_id == object_id)
        .order_by(AuditRecord.seq)
    )
    return list(session.scalars(query))


def search(
    session: Session,
    *,
    equals: dict[str, str],
    since: dt.datetime | None,
    until: dt.datetime | None,
    before_seq: int | None,
    limit: int,
) -> list[AuditRecord]:
    """Newest first; ``equals`` maps column names to required values, ``before_seq`` pages back."""
    query = select(AuditRecord).order_by(AuditRecord.seq.desc()).limit(limit)
    for column, value in equals.items():
        query = query.where(getattr(AuditRecord, column) == value)
    if since is not None:
        query = query.where(AuditRecord.occurred_at >= since)
    if until is not None:
        query = query.where(AuditRecord.occurred_at < until)
    if before_seq is not None:
        query = query.where(AuditRecord.seq < before_seq)
    return list(session.scalars(query))

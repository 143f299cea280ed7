"""Anchors: where each message-log stream is, recorded outside the log directory, so that deleting a whole
stream or cutting records off the end of one is detected.

A stream's hash chain proves that nothing was changed *inside* it, but not where it ends, nor that it
exists. So each writer records, every few seconds and when it closes, its durable position (segment,
sequence number, chain head) signed with the message-log key (the same ``stream|segment|seq|head``
message as a batch signature) in the table ``interop_log_anchor`` — one row per stream, updated in
place, off the request path. The first anchor of a stream and its closing one are also written to the
platform's signed, hash-chained audit log (``interop.msglog.stream_opened`` / ``stream_closed``), so a
deleted anchor row is noticed too.

``spbe interop log verify`` then reports:

- a stream that was anchored (or opened per the audit log) but whose directory is gone: *missing*;
- a stream whose chain ends before its last anchor, or differs at the anchored position: *anchored
  records are missing* (tampering);
- records after the last anchor: an *unanchored tail*, which a crash may legitimately cut short (the
  anchor lags the disk by at most the anchor interval; every acknowledged record is still on disk, since
  an answer waits for its record's ``fdatasync``). This is information, not a failure.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass

from sqlalchemy import String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from spbe.core.audit import service as audit
from spbe.core.db import Base, session_scope, utcnow
from spbe.interop.msglog.format import signed_message
from spbe.interop.msglog.signing import KeyResolver

ACTOR = "gateway"
OPENED = "interop.msglog.stream_opened"
CLOSED = "interop.msglog.stream_closed"
OBJECT_TYPE = "interop_log_stream"


class LogAnchor(Base):
    """The last anchored position of one message-log stream."""

    __tablename__ = "interop_log_anchor"

    stream: Mapped[str] = mapped_column(String(200), primary_key=True)
    node_id: Mapped[str] = mapped_column(String(100), index=True)
    segment: Mapped[int] = mapped_column()
    seq: Mapped[int] = mapped_column()
    head: Mapped[str] = mapped_column(String(64))
    key_id: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(Text)
    closed: Mapped[bool] = mapped_column(default=False)
    opened_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


@dataclass(frozen=True)
class Anchor:
    stream: str
    segment: int
    seq: int
    head: str
    key_id: str
    signature: str
    closed: bool = False

    def message(self) -> bytes:
        return signed_message(self.stream, self.segment, self.seq, self.head)

    def signature_ok(self, keys: KeyResolver) -> bool:
        key = keys(self.key_id)
        if key is None:
            return False
        try:
            raw = base64.b64decode(self.signature, validate=True)
        except ValueError:
            return False
        return key.verify(self.message(), raw)


class DatabaseAnchors:
    """The writer's anchor sink: upserts the stream's row (called in a worker thread, never per request)."""

    def __init__(self, session_factory: sessionmaker[Session], node_id: str) -> None:
        self.session_factory, self.node_id = session_factory, node_id

    def __call__(self, anchor: Anchor) -> None:
        with session_scope(self.session_factory) as session:
            record(session, anchor, self.node_id)


def record(session: Session, anchor: Anchor, node_id: str) -> None:
    """Store ``anchor`` (the caller commits); audited when the stream first appears and when it closes."""
    row = session.get(LogAnchor, anchor.stream)
    position = {"segment": anchor.segment, "seq": anchor.seq, "head": anchor.head}
    if row is None:
        row = LogAnchor(stream=anchor.stream, node_id=node_id, closed=False, **position)
        row.key_id, row.signature = anchor.key_id, anchor.signature
        session.add(row)
        audit.append(session, actor=ACTOR, action=OPENED, object_type=OBJECT_TYPE, object_id=anchor.stream, data={})
    elif (anchor.segment, anchor.seq) < (row.segment, row.seq):
        return  # never move an anchor backwards
    row.segment, row.seq, row.head = anchor.segment, anchor.seq, anchor.head
    row.key_id, row.signature, row.updated_at = anchor.key_id, anchor.signature, utcnow()
    if anchor.closed and not row.closed:
        row.closed = True
        audit.append(
            session, actor=ACTOR, action=CLOSED, object_type=OBJECT_TYPE, object_id=anchor.stream, data=position
        )


@dataclass
class AnchorBook:
    """What ``verify`` checks the log directory against."""

    anchors: dict[str, Anchor]
    opened: set[str]  # streams the audit log says were opened


def load(session: Session) -> AnchorBook:
    rows = session.scalars(select(LogAnchor)).all()
    anchors = {r.stream: Anchor(r.stream, r.segment, r.seq, r.head, r.key_id, r.signature, r.closed) for r in rows}
    return AnchorBook(anchors, _opened_streams(session))


def _opened_streams(session: Session) -> set[str]:
    opened: set[str] = set()
    before: int | None = None
    while True:
        page = audit.list_records(session, action=OPENED, before_seq=before, limit=1000)
        opened.update(r.object_id for r in page if r.object_id)
        if len(page) < 1000:
            return opened
        before = min(r.seq for r in page)

"""The audit log (jejak audit): append a signed, hash-chained record; verify the chain; read it back.

``append`` runs inside the caller's unit of work and only flushes, so a business change that rolls back
takes its audit record with it, and one that commits cannot lose it. Appends are serialised by a lock on
the single head row (``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite the unit of work's
``BEGIN IMMEDIATE`` — call ``append`` from a *write* unit of work there).

Personal data: string values (and 16-digit integers) in ``data`` are NIK-masked unless wrapped in
``Masked``. ``actor`` and ``object_id`` must be internal identifiers, never a NIK: they are stored as
given so that ``history`` can find them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import RowMapping, String
from sqlalchemy.orm import Session

from spbe.core.audit import chain, repository
from spbe.core.audit.chain import Masked
from spbe.core.audit.models import AuditHead, AuditRecord
from spbe.core.audit.schemas import AuditRecordOut, ChainProblem, ProblemKind, VerificationReport
from spbe.core.db import keep_even_on_rollback, utcnow
from spbe.core.errors import BadRequest
from spbe.core.keys import service as keys
from spbe.core.keys.crypto import b64url
from spbe.core.keys.schemas import Purpose

__all__ = ["Masked", "append", "expected_length", "history", "list_records", "record_denial", "verify"]

VERIFY_BATCH_SIZE = 5000
MAX_PAGE = 1000
_TEXT_FIELDS = ("actor", "action", "object_type", "object_id", "outcome", "request_id")


def append(
    session: Session,
    *,
    actor: str,
    action: str,
    object_type: str | None = None,
    object_id: str | None = None,
    outcome: str = "success",
    data: Mapping[str, Any] | None = None,
    request_id: str | None = None,
) -> AuditRecord:
    """Add one record to the end of the chain: who (``actor``) did what (``action``) to which object."""
    texts = _checked_texts(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        outcome=outcome,
        request_id=request_id,
    )
    prepared = chain.prepare_data(dict(data or {}))
    head = repository.lock_head(session)  # from here until commit, appends queue behind this one
    signer = keys.signer(session, Purpose.platform)
    record = repository.add(session, _signed_record(head, signer, texts, prepared))
    _advance_head(head, record, signer)
    session.flush()
    return record


def record_denial(
    session: Session,
    *,
    actor: str,
    action: str,
    reason: str,
    object_type: str | None = None,
    object_id: str | None = None,
    request_id: str | None = None,
) -> None:
    """Record a refused action (outcome ``denied``) so that it survives the refused request's rollback.

    A denial normally ends in an error that rolls the unit of work back; the record is therefore written
    after the rollback, in a fresh transaction (see ``spbe.core.db.keep_even_on_rollback``).
    """

    def write(target: Session) -> None:
        append(
            target,
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=object_id,
            outcome="denied",
            data={"reason": reason},
            request_id=request_id,
        )

    keep_even_on_rollback(session, write)


def _signed_record(
    head: AuditHead, signer: keys.Signer, texts: dict[str, str | None], data: dict[str, Any]
) -> AuditRecord:
    """The next record after ``head``, hashed and signed (see ``chain`` for the canonical form)."""
    record = AuditRecord(seq=head.seq + 1, occurred_at=utcnow(), data=data, prev_hash=head.record_hash, **texts)
    record.record_hash = chain.record_hash({name: getattr(record, name) for name in chain.HASHED_FIELDS})
    record.key_id, record.signature = _sign(signer, chain.record_message(record.record_hash))
    return record


def _checked_texts(**values: str | None) -> dict[str, str | None]:
    """Refuse empty required fields and values longer than their column, before anything is written."""
    for name in ("actor", "action", "outcome"):
        if not values[name]:
            raise BadRequest(f"An audit record needs a non-empty {name}.")
    for name in _TEXT_FIELDS:
        limit, value = _column_limit(name), values[name]
        if value is not None and limit is not None and len(value) > limit:
            raise BadRequest(f"Audit {name} is longer than {limit} characters.")
    return values


def _column_limit(name: str) -> int | None:
    column_type = AuditRecord.__table__.c[name].type
    return column_type.length if isinstance(column_type, String) else None


def _sign(signer: keys.Signer, message: bytes) -> tuple[str, str]:
    kid, signature = signer.sign(message)
    return kid, b64url(signature)


def _advance_head(head: AuditHead, record: AuditRecord, signer: keys.Signer) -> None:
    head.seq, head.record_hash = record.seq, record.record_hash
    head.key_id, head.signature = _sign(signer, chain.head_message(record.seq, record.record_hash))


def expected_length(session: Session) -> int:
    """How many records the head says the log holds (for a progress bar)."""
    head = repository.read_head(session)
    return int(head["seq"]) if head is not None else 0


def verify(
    session: Session, *, batch_size: int = VERIFY_BATCH_SIZE, progress: Callable[[int], None] | None = None
) -> VerificationReport:
    """Walk the whole chain in ``seq`` order and report the first problem, or that it is intact.

    Streams in batches (constant memory). Records appended while the walk runs are walked too: the head
    is read after the walk, and a head ahead of the walk only means "truncated" once no record follows.
    """
    walker = chain.ChainWalker(
        key_of=lambda kid: keys.verifying_key(session, kid),
        locate=lambda record_hash: _locate(session, record_hash),
    )
    problem = _walk(session, walker, batch_size, progress)
    head = repository.read_head(session)
    while problem is None and _head_ahead(session, head, walker):
        problem = _walk(session, walker, batch_size, progress)
        head = repository.read_head(session)
    problem = problem or _check_head(session, head, walker)
    head_seq = int(head["seq"]) if head is not None else 0
    return VerificationReport(records_checked=walker.checked, head_seq=head_seq, problem=problem)


def _walk(
    session: Session, walker: chain.ChainWalker, batch_size: int, progress: Callable[[int], None] | None
) -> ChainProblem | None:
    after: int | None = walker.last_seq if walker.checked else None
    while batch := repository.chain_batch(session, after_seq=after, limit=batch_size):
        for row in batch:
            problem = walker.check(row)
            if problem is not None:
                return problem
        after = batch[-1]["seq"]
        if progress is not None:
            progress(walker.checked)
    return None


def _locate(session: Session, record_hash: str) -> tuple[int, int] | None:
    found = repository.locate_hash(session, record_hash)
    return (int(found.id), int(found.seq)) if found is not None else None


def _head_ahead(session: Session, head: RowMapping | None, walker: chain.ChainWalker) -> bool:
    """The head names records beyond the walk, and some were appended meanwhile: walk on."""
    if head is None or head["seq"] <= walker.last_seq:
        return False
    return repository.has_records_after(session, walker.last_seq)


def _check_head(session: Session, head: RowMapping | None, walker: chain.ChainWalker) -> ChainProblem | None:
    """The head must name the last record, and be signed: else the tail was cut or tampered with."""
    if head is None:
        if walker.checked == 0:
            return None
        return _head_problem(f"The audit head is missing although seq 1–{walker.last_seq} exist.")
    if head["seq"] > walker.last_seq:
        return _truncated(int(head["seq"]), walker.last_seq)
    if head["seq"] < walker.last_seq or head["record_hash"] != walker.last_hash:
        return _head_problem(
            f"The audit head (seq {head['seq']}) does not name the last record (seq {walker.last_seq})."
        )
    if head["seq"] > 0 and not _head_signed(session, head):
        return _head_problem(f"The audit head (seq {head['seq']}) is not validly signed.")
    return None


def _truncated(head_seq: int, last_seq: int) -> ChainProblem:
    missing = f"{last_seq + 1}" if head_seq == last_seq + 1 else f"{last_seq + 1}–{head_seq}"
    message = (
        f"The log ends at seq {last_seq} but its head says seq {head_seq}: "
        f"record seq {missing} was removed from the end (truncated)."
    )
    return ChainProblem(kind=ProblemKind.truncated, seq=last_seq + 1, record_id=None, message=message)


def _head_signed(session: Session, head: RowMapping) -> bool:
    key = keys.verifying_key(session, head["key_id"]) if head["key_id"] else None
    message = chain.head_message(int(head["seq"]), head["record_hash"])
    return key is not None and chain.verify_signature(key, message, head["signature"])


def _head_problem(message: str) -> ChainProblem:
    return ChainProblem(kind=ProblemKind.head_mismatch, seq=None, record_id=None, message=message)


def history(session: Session, object_type: str, object_id: str) -> list[AuditRecordOut]:
    """Every record about one object, oldest first (NetBox-style change log)."""
    return [AuditRecordOut.model_validate(r) for r in repository.history(session, object_type, object_id)]


def list_records(
    session: Session,
    *,
    actor: str | None = None,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    outcome: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    before_seq: int | None = None,
    limit: int = 50,
) -> list[AuditRecordOut]:
    """Records matching every given filter, newest first; page back with ``before_seq``."""
    filters = {"actor": actor, "action": action, "object_type": object_type, "object_id": object_id}
    filters["outcome"] = outcome
    equals = {name: value for name, value in filters.items() if value is not None}
    rows = repository.search(
        session,
        equals=equals,
        since=since,
        until=until,
        before_seq=before_seq,
        limit=max(1, min(limit, MAX_PAGE)),
    )
    return [AuditRecordOut.model_validate(row) for row in rows]

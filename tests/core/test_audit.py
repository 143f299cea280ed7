"""Audit log: a signed hash chain that names the first record edited, deleted or reordered."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from spbe.core.audit import chain
from spbe.core.audit import service as audit
from spbe.core.audit.models import AuditHead, AuditRecord
from spbe.core.audit.repository import GENESIS_HASH
from spbe.core.audit.schemas import ProblemKind
from spbe.core.config import Settings
from spbe.core.db import create_db_engine, make_session_factory, session_scope
from spbe.core.errors import BadRequest, Forbidden
from spbe.core.keys import service as keys
from tests.core.fresh_database import fresh_database

RECORD = AuditRecord.__table__


@pytest.fixture(autouse=True)
def _sealing_secret(settings: Settings) -> None:
    keys.use_secret(settings.resolved_secret_key)


def _append(session: Session, count: int, **fields: object) -> list[AuditRecord]:
    return [
        audit.append(
            session,
            actor="staff:42",
            action=str(fields.get("action", "agency.update")),
            object_type="agency",
            object_id=str(fields.get("object_id", f"A{number}")),
            data={"number": number},
        )
        for number in range(count)
    ]


def _tamper(session: Session, record: AuditRecord, **values: object) -> None:
    """Change a stored record behind the service's back (raw UPDATE)."""
    session.execute(update(RECORD).where(RECORD.c.id == record.id).values(**values))


def _problem_of(session: Session) -> tuple[ProblemKind, int | None, int | None, str]:
    problem = audit.verify(session).problem
    assert problem is not None, "verification should have failed"
    return problem.kind, problem.seq, problem.record_id, problem.message


def test_a_chain_of_records_verifies(db_session: Session) -> None:
    before = audit.expected_length(db_session)
    records = _append(db_session, 5)
    assert [record.seq for record in records] == list(range(before + 1, before + 6))
    assert all(later.prev_hash == earlier.record_hash for earlier, later in itertools.pairwise(records))
    if before == 0:
        assert records[0].prev_hash == GENESIS_HASH
    report = audit.verify(db_session)
    assert report.ok, report.problem
    assert (report.records_checked, report.head_seq) == (before + 5, before + 5)


def test_an_edited_record_is_named(db_session: Session) -> None:
    target = _append(db_session, 5)[2]
    _tamper(db_session, target, data={"number": 999})
    kind, seq, record_id, message = _problem_of(db_session)
    assert (kind, seq, record_id) == (ProblemKind.edited, target.seq, target.id)
    assert f"seq {target.seq}" in message
    assert "edited" in message


def test_a_deleted_record_is_named(db_session: Session) -> None:
    target = _append(db_session, 5)[2]
    db_session.execute(delete(RECORD).where(RECORD.c.id == target.id))
    kind, seq, _, message = _problem_of(db_session)
    assert (kind, seq) == (ProblemKind.deleted, target.seq)
    assert f"seq {target.seq} is missing" in message


def test_swapped_records_are_reported_as_reordered(db_session: Session) -> None:
    records = _append(db_session, 5)
    first, second = records[2], records[3]
    _tamper(db_session, first, seq=-1)
    _tamper(db_session, second, seq=first.seq)
    _tamper(db_session, first, seq=second.seq)
    kind, seq, record_id, message = _problem_of(db_session)
    assert (kind, seq, record_id) == (ProblemKind.reordered, first.seq, second.id)
    assert "reordered" in message


def test_a_removed_last_record_is_a_truncated_tail(db_session: Session) -> None:
    last = _append(db_session, 4)[-1]
    db_session.execute(delete(RECORD).where(RECORD.c.id == last.id))
    kind, seq, _, message = _problem_of(db_session)
    assert (kind, seq) == (ProblemKind.truncated, last.seq)
    assert "truncated" in message


def test_a_rewound_head_cannot_hide_a_truncated_tail(db_session: Session) -> None:
    *_, previous, last = _append(db_session, 4)
    db_session.execute(delete(RECORD).where(RECORD.c.id == last.id))
    db_session.execute(update(AuditHead).values(seq=previous.seq, record_hash=previous.record_hash))
    kind, _, _, message = _problem_of(db_session)
    assert kind is ProblemKind.head_mismatch
    assert "not validly signed" in message


def test_a_forged_signature_is_named(db_session: Session) -> None:
    records = _append(db_session, 4)
    _tamper(db_session, records[1], signature=records[2].signature)
    kind, seq, record_id, _ = _problem_of(db_session)
    assert (kind, seq, record_id) == (ProblemKind.bad_signature, records[1].seq, records[1].id)


def test_an_edit_with_a_recomputed_hash_still_fails_on_the_signature(db_session: Session) -> None:
    records = _append(db_session, 3)
    target = records[1]
    target.actor = "someone-else"  # recompute the hash as a forger would, without the private key
    forged_hash = chain.record_hash({name: getattr(target, name) for name in chain.HASHED_FIELDS})
    db_session.expunge(target)
    _tamper(db_session, target, actor="someone-else", record_hash=forged_hash)
    kind, seq, _, _ = _problem_of(db_session)
    assert (kind, seq) == (ProblemKind.bad_signature, target.seq)


def test_an_unknown_key_is_named(db_session: Session) -> None:
    target = _append(db_session, 3)[0]
    _tamper(db_session, target, key_id="kid-nobody-has")
    kind, seq, _, message = _problem_of(db_session)
    assert (kind, seq) == (ProblemKind.unknown_key, target.seq)
    assert "kid-nobody-has" in message


def test_an_append_in_a_rolled_back_savepoint_leaves_nothing(db_session: Session) -> None:
    _append(db_session, 2)
    before = audit.expected_length(db_session)
    savepoint = db_session.begin_nested()
    audit.append(db_session, actor="staff:1", action="doomed.change")
    savepoint.rollback()
    assert audit.expected_length(db_session) == before
    assert audit.list_records(db_session, action="doomed.change") == []
    assert audit.verify(db_session).ok


def test_nik_values_in_data_are_masked(db_session: Session) -> None:
    record = audit.append(
        db_session,
        actor="staff:1",
        action="resident.view",
        data={
            "nik": "3273056010900009",
            "note": "NIK 3602041211870001 dilihat",
            "nested": [{"as_number": 3273056010900009}],
            "account": audit.Masked("1234567890123456"),
        },
    )
    db_session.expire(record)
    assert record.data == {
        "nik": "3273********0009",
        "note": "NIK 3602********0001 dilihat",
        "nested": [{"as_number": "3273********0009"}],
        "account": "1234567890123456",
    }
    assert audit.verify(db_session).ok


def test_bad_input_is_refused_before_anything_is_written(db_session: Session) -> None:
    before = audit.expected_length(db_session)
    with pytest.raises(BadRequest, match="actor"):
        audit.append(db_session, actor="", action="x")
    with pytest.raises(BadRequest, match="object_id"):
        audit.append(db_session, actor="a", action="x", object_id="9" * 201)
    with pytest.raises(TypeError, match="object"):
        audit.append(db_session, actor="a", action="x", data={"thing": object()})
    assert audit.expected_length(db_session) == before


def test_history_and_filtered_listing(db_session: Session) -> None:
    _append(db_session, 3, object_id="KEMENKEU")
    _append(db_session, 2, object_id="BAPPENAS", action="agency.create")
    history = audit.history(db_session, "agency", "KEMENKEU")
    assert len(history) == 3
    assert [r.seq for r in history] == sorted(r.seq for r in history)
    created = audit.list_records(db_session, action="agency.create", limit=10)
    assert [r.object_id for r in created] == ["BAPPENAS", "BAPPENAS"]
    assert created[0].seq > created[1].seq  # newest first
    older = audit.list_records(db_session, action="agency.create", before_seq=created[0].seq)
    assert [r.seq for r in older] == [created[1].seq]


def test_verification_streams_in_batches_and_reports_progress(db_session: Session) -> None:
    _append(db_session, 5)
    total = audit.expected_length(db_session)
    seen: list[int] = []
    report = audit.verify(db_session, batch_size=2, progress=seen.append)
    assert report.ok
    assert seen[-1] == total
    assert seen == sorted(seen)
    assert len(seen) == (total + 1) // 2


@pytest.fixture
def fresh_factory(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    with fresh_database(tmp_path) as url:
        engine = create_db_engine(url)
        yield make_session_factory(engine)
        engine.dispose()


def test_a_rolled_back_unit_of_work_takes_its_record_and_keys_with_it(fresh_factory: sessionmaker[Session]) -> None:
    factory = fresh_factory

    def failing_business_change() -> None:
        with session_scope(factory) as session:
            audit.append(session, actor="staff:1", action="first.ever")  # creates the platform keys too
            raise RuntimeError("the business change failed")

    with pytest.raises(RuntimeError):
        failing_business_change()
    with session_scope(factory) as session:
        audit.append(session, actor="staff:1", action="second")
    with session_scope(factory, write=False) as session:
        report = audit.verify(session)
        assert report.ok, report.problem
        assert report.records_checked == 1


def test_concurrent_appends_form_one_unbroken_chain(fresh_factory: sessionmaker[Session]) -> None:
    factory = fresh_factory
    threads, per_thread = 6, 8
    errors: list[BaseException] = []

    def worker(number: int) -> None:
        try:
            for index in range(per_thread):
                with session_scope(factory) as session:
                    audit.append(session, actor=f"worker:{number}", action="concurrent", data={"i": index})
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    workers = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    assert errors == []
    with session_scope(factory, write=False) as session:
        report = audit.verify(session)
        assert report.ok, report.problem
        assert report.records_checked == report.head_seq == threads * per_thread


class TestDenialsSurviveRollback:
    """A refused request rolls back its own work, but the record of the refusal stays."""

    def test_denial_is_written_after_the_rollback(self, tmp_path: Path) -> None:
        with fresh_database(tmp_path) as url:
            engine = create_db_engine(url)
            factory = make_session_factory(engine)
            with pytest.raises(Forbidden):
                _refused_update(factory)
            with session_scope(factory, write=False) as session:
                rows = session.scalars(select(AuditRecord)).all()
                assert [(r.object_id, r.outcome, r.data) for r in rows] == [
                    ("A-2", "denied", {"reason": "other agency"})
                ]
                assert audit.verify(session).ok
            engine.dispose()


def _refused_update(factory: sessionmaker[Session]) -> None:
    """A request that writes, records a denial, then fails: only the denial may remain."""
    with session_scope(factory) as session:
        audit.append(session, actor="staff-1", action="registry.application.update", object_id="A-1")
        audit.record_denial(
            session, actor="staff-1", action="registry.application.update", object_id="A-2", reason="other agency"
        )
        raise Forbidden("not your agency")

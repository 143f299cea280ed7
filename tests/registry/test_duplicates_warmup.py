"""The duplicate analysis of a running platform: built in the background at startup, then stale-while-rebuilding."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from spbe.core.db import create_db_engine, make_session_factory, session_scope
from spbe.core.security import SYSTEM
from spbe.registry.duplicates import service
from spbe.registry.duplicates.schemas import CheckIn
from spbe.registry.service.imports import import_applications
from spbe.seeding import SEED_STEPS
from tests.core.fresh_database import fresh_database
from tests.registry.test_duplicates_api import APPS, MAIL, _row


@pytest.fixture
def factory(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """A database of its own with committed applications (a background thread reads committed rows only)."""
    with fresh_database(tmp_path) as url:
        engine = create_db_engine(url)
        session_factory = make_session_factory(engine)
        for step in SEED_STEPS:
            if step.reference:
                with session_scope(session_factory) as session:
                    step.run(session)
        with session_scope(session_factory) as session:
            report = import_applications(session, [_row(*app) for app in APPS], actor=SYSTEM, dry_run=False)
            assert report.problems == []
        yield session_factory
        with session_factory() as session:
            where = service._where(session)
        service._background.pop(where, None)
        service._cache.pop(where, None)
        engine.dispose()


def test_warm_up_builds_in_the_background_and_a_change_never_blocks_a_check(
    factory: sessionmaker[Session],
) -> None:
    started = time.perf_counter()
    thread = service.warm_up(factory)
    assert time.perf_counter() - started < 0.5  # startup is not held up by the build
    thread.join(timeout=60)
    with session_scope(factory, write=False) as session:
        first = service.analyse(session)
        assert any({"T-001", "T-002", "T-003"} <= {first.records[r].code for r in g.rows} for g in first.groups)
    with session_scope(factory) as session:
        import_applications(session, [_row("T-008", "e-Surat Dinas", "", MAIL, "KOTA-32.71", "09.07")], actor=SYSTEM,
                            dry_run=False)  # fmt: skip
    with session_scope(factory, write=False) as session:
        assert service.analyse(session) is first  # the previous analysis, at once, while it is rebuilt
        result = service.check(session, CheckIn(name="e-Surat Dinas", description=MAIL, limit=3))
        assert result.verdict == "duplicate"
    service._rebuilds[service._where(session)].join(timeout=60)
    with session_scope(factory, write=False) as session:
        fresh = service.analyse(session)
    assert fresh is not first
    assert "T-008" in {record.code for record in fresh.records}


def test_a_first_request_before_the_warm_up_finished_waits_for_it(factory: sessionmaker[Session]) -> None:
    service.warm_up(factory)
    with session_scope(factory, write=False) as session:
        analysis = service.analyse(session)  # joins the running build instead of starting a second one
        assert analysis.index is not None
        assert service.analyse(session) is analysis


def test_a_failed_background_rebuild_keeps_serving(
    factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    service.warm_up(factory).join(timeout=60)
    with session_scope(factory, write=False) as session:
        first = service.analyse(session)
    with session_scope(factory) as session:
        import_applications(session, [_row("T-009", "e-Surat Desa", "", MAIL, "KOTA-32.71", "09.07")], actor=SYSTEM,
                            dry_run=False)  # fmt: skip

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(service, "build", broken)
    with session_scope(factory, write=False) as session:
        assert service.analyse(session) is first
    service._rebuilds[service._where(session)].join(timeout=60)
    with session_scope(factory, write=False) as session:
        assert service.analyse(session) is first  # still served; the failure was logged

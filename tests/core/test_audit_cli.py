"""``spbe audit verify|tail`` and ``spbe keys list|rotate`` against a database of their own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from spbe.cli.main import app as cli
from spbe.core.audit import service as audit
from spbe.core.audit.models import AuditRecord
from spbe.core.db import session_scope
from tests.core.fresh_database import cli_database

RECORD = AuditRecord.__table__


@pytest.fixture
def factory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[sessionmaker[Session]]:
    """A fresh database the CLI is pointed at through SPBE_DATABASE_URL / SPBE_DATA_DIR."""
    with cli_database(tmp_path, monkeypatch) as session_factory:
        yield session_factory


def _append(factory: sessionmaker[Session], count: int) -> list[AuditRecord]:
    with session_scope(factory) as session:
        return [
            audit.append(session, actor="staff:1", action="agency.update", object_type="agency", object_id=f"A{i}")
            for i in range(count)
        ]


def test_verify_reports_an_intact_log(factory: sessionmaker[Session]) -> None:
    _append(factory, 5)
    result = CliRunner().invoke(cli, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "Audit log intact: 5 records, chain and signatures verified" in result.output


def test_verify_exits_non_zero_naming_the_tampered_record(factory: sessionmaker[Session]) -> None:
    target = _append(factory, 5)[2]
    with session_scope(factory) as session:
        session.execute(update(RECORD).where(RECORD.c.id == target.id).values(data={"forged": True}))
    result = CliRunner().invoke(cli, ["audit", "verify"])
    assert result.exit_code == 1
    assert f"Record seq {target.seq} (id {target.id}) was edited" in result.output


def test_tail_shows_the_latest_records(factory: sessionmaker[Session]) -> None:
    _append(factory, 3)
    result = CliRunner().invoke(cli, ["audit", "tail", "-n", "2"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "agency:A2" in result.output
    assert "agency:A0" not in result.output


def test_keys_rotate_is_audited_and_listed(factory: sessionmaker[Session]) -> None:
    runner = CliRunner()
    rotated = runner.invoke(cli, ["keys", "rotate"])
    assert rotated.exit_code == 0, rotated.output
    assert "Rotated platform keys" in rotated.output
    listing = runner.invoke(cli, ["keys", "list"], env={"COLUMNS": "200"})
    assert listing.exit_code == 0, listing.output
    assert {"retired", "active", "next"} <= set(listing.output.split())
    with session_scope(factory, write=False) as session:
        assert [record.action for record in audit.list_records(session)] == ["keys.rotate"]
        assert audit.verify(session).ok


def test_keys_rotate_refuses_an_unsuitable_algorithm(factory: sessionmaker[Session]) -> None:
    result = CliRunner().invoke(cli, ["keys", "rotate", "--algorithm", "HS256"])
    assert result.exit_code == 1
    assert "Unsupported signing algorithm 'HS256'" in result.output

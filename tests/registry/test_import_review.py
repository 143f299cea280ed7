"""Import review findings: every problem of every row, optional columns may be left out, a small file
loads only the applications it names."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from spbe.core.security import SYSTEM
from spbe.registry.service import applications, imports
from tests.registry.conftest import STAFF, app_row


def _problems(session: Session, rows: list[dict[str, str]]) -> dict[tuple[int, str], str]:
    report = imports.import_applications(session, rows, actor=STAFF, dry_run=True)
    return {(p.row, p.column): p.message for p in report.problems}


def test_a_row_reports_bad_values_and_unknown_references_together(db_session: Session) -> None:
    row = app_row("MANY-1", status="hidup", category="RAA.9", agency_code="NOPE", hosting="GUDANG", affairs="99.99")
    found = _problems(db_session, [row])
    assert set(found) >= {(2, "status"), (2, "category"), (2, "agency_code"), (2, "hosting"), (2, "affairs")}
    assert "unknown agency code 'NOPE'" in found[(2, "agency_code")]
    assert "RAA.9" in found[(2, "category")]


def test_missing_required_fields_do_not_hide_unknown_references(db_session: Session) -> None:
    found = _problems(db_session, [app_row("MANY-2", name="", datasets="TIDAK-ADA", functional_fit="9")])
    assert found[(2, "name")] == "missing required field"
    assert {(2, "datasets"), (2, "functional_fit")} <= set(found)


def test_a_bad_row_of_another_agency_still_says_not_allowed(db_session: Session) -> None:
    found = _problems(db_session, [app_row("MANY-3", agency_code="KAB-32.04", status="hidup")])
    assert {(2, "status"), (2, "agency_code")} <= set(found)
    assert "not allowed" in found[(2, "agency_code")]


def _only(row: dict[str, str], *columns: str) -> dict[str, str]:
    return {name: row[name] for name in columns}


def test_only_the_key_columns_are_required(db_session: Session) -> None:
    row = _only(app_row("SLIM-1"), "code", "name", "agency_code", "kind")
    report = imports.import_applications(db_session, [row], actor=STAFF, dry_run=False)
    assert (report.problems, report.created) == ([], 1)
    assert applications.get(db_session, "SLIM-1").status.value == "production"


def test_an_omitted_column_keeps_the_stored_value(db_session: Session) -> None:
    imports.import_applications(db_session, [app_row("SLIM-2")], actor=STAFF, dry_run=False)
    renamed = _only(app_row("SLIM-2", name="SIMPEG Baru"), "code", "name", "agency_code", "kind")
    report = imports.import_applications(db_session, [renamed], actor=STAFF, dry_run=False)
    assert (report.problems, report.updated) == ([], 1)
    stored = applications.get(db_session, "SLIM-2", SYSTEM)
    assert (stored.name, stored.acronym, stored.technology, stored.affairs) == (
        "SIMPEG Baru",
        "SIMPEG",
        "PHP/Laravel",
        ["09.06"],
    )
    again = imports.import_applications(db_session, [renamed], actor=STAFF, dry_run=False)
    assert (again.updated, again.unchanged) == (0, 1)


def test_a_missing_key_column_is_reported(db_session: Session) -> None:
    row = _only(app_row("SLIM-3"), "code", "name", "kind")
    found = _problems(db_session, [row])
    assert found[(1, "agency_code")] == "missing column"


@pytest.fixture
def statements(db_session: Session) -> Iterator[list[str]]:
    seen: list[str] = []

    def listen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(" ".join(statement.split()))

    engine = db_session.get_bind()
    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listen)


def test_a_small_dry_run_loads_only_the_applications_it_names(db_session: Session, statements: list[str]) -> None:
    imports.import_applications(db_session, [app_row(f"FEW-{i}") for i in range(3)], actor=STAFF, dry_run=False)
    statements.clear()
    report = imports.import_applications(db_session, [app_row("FEW-1", status="retired")], actor=STAFF, dry_run=True)
    assert report.updated == 1
    reads = [s for s in statements if s.startswith("SELECT") and "registry_application" in s]
    assert reads
    assert all(" WHERE " in s for s in reads), [s for s in reads if " WHERE " not in s]

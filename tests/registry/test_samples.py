"""The sample import files shipped for newcomers (docs/samples): the clean one imports, the other shows every
kind of problem, each on its row and column."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from spbe.registry.service import imports
from tests.registry.conftest import STAFF

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"


def test_the_clean_sample_imports_as_the_agencys_staff(db_session: Session) -> None:
    path = SAMPLES / "registry-import-sample.csv"
    dry = imports.import_file(db_session, path, actor=STAFF, dry_run=True)
    assert (dry.encoding, dry.problems, dry.created) == ("utf-8", [], 4)
    applied = imports.import_file(db_session, path, actor=STAFF, dry_run=False)
    assert applied.applied
    assert applied.created == 4


def test_the_error_sample_reports_every_problem(db_session: Session) -> None:
    report = imports.import_file(db_session, SAMPLES / "registry-import-errors.csv", actor=STAFF, dry_run=True)
    assert report.encoding == "cp1252"
    found = {(p.row, p.column) for p in report.problems}
    assert found == {
        (3, "agency_code"),
        (3, "category"),
        (3, "status"),
        (4, "code"),
        (5, "name"),
        (5, "kind"),
        (6, "users"),
        (6, "functional_fit"),
        (6, "technical_fit"),
        (6, "affairs"),
        (7, "hosting"),
        (7, "datasets"),
        (7, "service_area"),
        (8, "wali_agency_code"),
    }, report.problems
    assert not report.applied

"""Bulk import: encodings, every kind of problem by row and column, all-or-nothing, idempotent re-import."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from spbe.core.security import SYSTEM
from spbe.registry.models import Application, Change
from spbe.registry.service import imports
from tests.registry.conftest import COLUMNS, OTHER_STAFF, STAFF, app_row, auth, csv_text

API = "/api/v1/registry/import"


def _upload(api: TestClient, data: bytes, *, dry_run: bool, name: str = "aplikasi.csv", who=STAFF):  # type: ignore[no-untyped-def]
    files = {"file": (name, data, "text/csv")}
    return api.post(API, params={"dry_run": str(dry_run).lower()}, files=files, headers=auth(who))


def _codes(session: Session, prefix: str) -> list[str]:
    return list(session.scalars(select(Application.code).where(Application.code.like(f"{prefix}%"))))


@pytest.mark.parametrize(
    ("encoding", "expected"), [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp1252", "cp1252")]
)
def test_encodings_are_detected_and_reported(api: TestClient, encoding: str, expected: str) -> None:
    row = app_row(name="Aplikasi Pelayanan Café ’Kopi’", description="Deskripsi dengan é dan ’")
    data = csv_text([row]).encode(encoding)
    report = _upload(api, data, dry_run=False).json()
    assert report["encoding"] == expected
    assert report["created"] == 1, report
    read = api.get(f"/api/v1/registry/applications/{row['code']}").json()
    assert read["name"] == "Aplikasi Pelayanan Café ’Kopi’"


def test_semicolon_separated_csv_is_read(db_session: Session) -> None:
    rows, encoding = imports.read_rows(csv_text([app_row()], delimiter=";").encode())
    assert encoding == "utf-8"
    assert rows[0]["affairs"] == "09.06"
    assert rows[0]["code"] == "KOTA-32.73-SIMPEG"


def test_dry_run_reports_every_problem_with_row_and_column(api: TestClient, db_session: Session) -> None:
    rows = [
        app_row("BAD-1", agency_code="NOPE"),
        app_row("BAD-2", category="RAA.9", affairs="09.06;99.99"),
        app_row("BAD-3", kind="campuran", status="hidup", service_area="g2x"),
        app_row("BAD-4", users="banyak", functional_fit="7", technical_fit="x"),
        app_row("BAD-5", name=""),
        app_row("BAD-1"),
        app_row("BAD-6", hosting="GUDANG", datasets="TIDAK-ADA"),
        app_row("BAD-7", agency_code="KAB-32.04"),
    ]
    report = _upload(api, csv_text(rows).encode(), dry_run=True).json()
    found = {(p["row"], p["column"]) for p in report["problems"]}
    assert {
        (2, "agency_code"),
        (3, "category"),
        (3, "affairs"),
        (4, "kind"),
        (4, "status"),
        (4, "service_area"),
        (5, "users"),
        (5, "functional_fit"),
        (5, "technical_fit"),
        (6, "name"),
        (7, "code"),
        (8, "hosting"),
        (8, "datasets"),
        (9, "agency_code"),
    } <= found, report["problems"]
    messages = {(p["row"], p["column"]): p["message"] for p in report["problems"]}
    assert "unknown agency code 'NOPE'" in messages[(2, "agency_code")]
    assert "99.99" in messages[(3, "affairs")]
    assert "duplicate code 'BAD-1' (first on row 2)" in messages[(7, "code")]
    assert messages[(6, "name")] == "missing required field"
    assert "not allowed" in messages[(9, "agency_code")]
    assert _codes(db_session, "BAD-") == []


def test_missing_and_unknown_columns_are_reported_on_row_1(db_session: Session) -> None:
    rows = [{k: v for k, v in app_row().items() if k != "kind"} | {"warna": "merah"}]
    report = imports.import_applications(db_session, rows, actor=SYSTEM, dry_run=True)
    assert {(p.row, p.column, p.message) for p in report.problems} >= {
        (1, "kind", "missing column"),
        (1, "warna", "unknown column"),
    }


def test_bad_encoding_is_refused(api: TestClient) -> None:
    response = _upload(api, csv_text([app_row()]).encode("utf-8")[:-3] + b"\x81\x8d\n", dry_run=True)
    assert response.status_code == 422


def test_apply_is_all_or_nothing(api: TestClient, db_session: Session) -> None:
    rows = [app_row(f"OK-{i}") for i in range(5)] + [app_row("OK-bad", affairs="77.77")]
    response = _upload(api, csv_text(rows).encode(), dry_run=False)
    assert response.status_code == 422
    assert {"row": 7, "field": "affairs"}.items() <= response.json()["errors"][0].items()
    assert _codes(db_session, "OK-") == []


def test_other_agency_rows_are_refused_with_403_and_nothing_written(api: TestClient, db_session: Session) -> None:
    response = _upload(api, csv_text([app_row("OTHER-1")]).encode(), dry_run=False, who=OTHER_STAFF)
    assert response.status_code == 403
    assert _codes(db_session, "OTHER-") == []


def test_reimport_changes_nothing_and_reports_counts(db_session: Session) -> None:
    data = csv_text([app_row(f"RE-{i}") for i in range(3)]).encode()
    first = imports.import_file(db_session, data, actor=STAFF, dry_run=False)
    again = imports.import_file(db_session, data, actor=STAFF, dry_run=False)
    assert (first.created, first.updated, first.unchanged) == (3, 0, 0)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert again.audit_seq is None
    changed = csv_text([app_row("RE-0", status="retired"), app_row("RE-1"), app_row("RE-2")]).encode()
    third = imports.import_file(db_session, changed, actor=STAFF, dry_run=False)
    assert (third.created, third.updated, third.unchanged) == (0, 1, 2)
    history = db_session.scalars(select(Change).where(Change.object_code == "RE-0").order_by(Change.id)).all()
    assert [(c.action, c.source) for c in history] == [("create", "import"), ("update", "import")]
    assert history[1].data == {"before": {"status": "production"}, "after": {"status": "retired"}}
    assert history[0].audit_seq == first.audit_seq
    assert history[1].audit_seq == third.audit_seq


def test_xlsx_import(db_session: Session) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(COLUMNS)
    row = app_row("XL-1")
    sheet.append([int(row[c]) if c == "users" else row[c] for c in COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = imports.import_file(db_session, buffer.getvalue(), actor=STAFF, dry_run=False, filename="a.xlsx")
    assert (report.encoding, report.created, report.problems) == ("xlsx", 1, [])


def test_a_row_cannot_take_over_another_agencys_application(db_session: Session) -> None:
    imports.import_applications(db_session, [app_row("TAKE-1")], actor=STAFF, dry_run=False)
    row = app_row("TAKE-1", agency_code="KAB-32.04")
    report = imports.import_applications(db_session, [row], actor=OTHER_STAFF, dry_run=False)
    assert not report.applied
    assert [(p.row, p.column) for p in report.problems] == [(2, "agency_code")]
    assert "belongs to KOTA-32.73" in report.problems[0].message

"""The assessment cycle over HTTP: self-assessment → submit → review → final, denials and bad input."""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from spbe.core.audit.models import AuditRecord
from spbe.core.security import Principal
from tests.evaluation.conftest import ASSESSOR, COORDINATOR, STAFF_A, STAFF_B

Act = Callable[[Principal], None]
URL = "/api/v1/evaluation/assessments/KEMENDAGRI/2025"


def _all_levels(level: int = 3) -> dict[str, Any]:
    return {"items": [{"indicator": n, "level": level, "justification": "SK Tim SPBE"} for n in range(1, 48)]}


def _self_assess(client: TestClient, act_as: Act, body: dict[str, Any] | None = None) -> Any:
    act_as(STAFF_A)
    return client.put(URL + "/levels", json=body or _all_levels())


def test_full_cycle(client: TestClient, act_as: Act, db_session: Session) -> None:
    assert _self_assess(client, act_as).status_code == 200
    assert client.post(URL + "/submit").status_code == 200
    act_as(ASSESSOR)
    review = {"items": [{"indicator": 18, "level": 2, "note": "Belum terhubung SPLP"}]}
    reviewed = client.put(URL + "/review", json=review)
    assert reviewed.status_code == 200, reviewed.text
    final = client.post(URL + "/finalize").json()
    assert final["status"] == "final"
    assert final["score"]["index"] == "2.98"  # 3 − 0.025 × 1 = 2.975 → 2.98
    assert final["score"]["predikat"] == "Baik"
    assert client.get("/api/v1/evaluation/results/KEMENDAGRI/2025").status_code == 404  # not published yet
    act_as(COORDINATOR)
    assert client.post("/api/v1/evaluation/cycles/2025/close").status_code == 200
    public = client.get("/api/v1/evaluation/results/KEMENDAGRI/2025").json()
    assert public["items"][17]["validated_level"] == 2
    actions = db_session.scalars(select(AuditRecord.action).where(AuditRecord.object_id == "KEMENDAGRI/2025")).all()
    assert {"evaluation.self-assess", "evaluation.submit", "evaluation.review", "evaluation.finalize"} <= set(actions)


def test_final_is_locked(client: TestClient, act_as: Act) -> None:
    _self_assess(client, act_as)
    client.post(URL + "/submit")
    act_as(COORDINATOR)
    assert client.post(URL + "/finalize").status_code == 200
    act_as(STAFF_A)
    response = client.put(URL + "/levels", json=_all_levels(4))
    assert response.status_code == 409
    assert "final and locked" in response.json()["detail"]
    act_as(ASSESSOR)
    assert client.put(URL + "/review", json={"items": [{"indicator": 1, "level": 1}]}).status_code == 409


def test_incomplete_submission_lists_missing_indicators(client: TestClient, act_as: Act) -> None:
    body = {"items": [{"indicator": n, "level": 2} for n in range(1, 46)]}
    assert _self_assess(client, act_as, body).status_code == 200
    response = client.post(URL + "/submit")
    assert response.status_code == 422
    assert "[46, 47]" in response.json()["detail"]
    assert [e["field"] for e in response.json()["errors"]] == ["indicator 46", "indicator 47"]


def test_bad_levels_are_rejected_precisely_and_nothing_is_saved(client: TestClient, act_as: Act) -> None:
    body = {"items": [{"indicator": 1, "level": 3}, {"indicator": 2, "level": 6}, {"indicator": 99, "level": 2}]}
    response = _self_assess(client, act_as, body)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors == [
        {"field": "items[1].level", "message": "level 6 of indicator 2 is outside the scale 1–5", "row": 1},
        {"field": "items[2].indicator", "message": "unknown indicator 99", "row": 2},
    ]
    current = client.get(URL)
    assert current.status_code == 404 or current.json()["items"][0]["self_level"] is None


def test_other_agency_staff_is_denied(client: TestClient, act_as: Act, db_session: Session) -> None:
    act_as(STAFF_B)
    response = client.put(URL + "/levels", json=_all_levels())
    assert response.status_code == 403
    assert "Only staff of KEMENDAGRI" in response.json()["detail"]


def test_assessor_cannot_self_assess(client: TestClient, act_as: Act) -> None:
    act_as(ASSESSOR)
    assert client.put(URL + "/levels", json=_all_levels()).status_code == 403


def test_staff_cannot_review_or_finalize(client: TestClient, act_as: Act) -> None:
    _self_assess(client, act_as)
    client.post(URL + "/submit")
    assert client.put(URL + "/review", json={"items": [{"indicator": 1, "level": 1}]}).status_code == 403
    assert client.post(URL + "/finalize").status_code == 403


def test_unauthenticated_write_is_refused(client: TestClient) -> None:
    assert client.put(URL + "/levels", json=_all_levels()).status_code == 401


def test_review_before_submission_conflicts(client: TestClient, act_as: Act) -> None:
    _self_assess(client, act_as)
    act_as(ASSESSOR)
    response = client.put(URL + "/review", json={"items": [{"indicator": 1, "level": 1}]})
    assert response.status_code == 409


def _xlsx() -> bytes:
    buffer = BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


def test_evidence_files_by_content(client: TestClient, act_as: Act, settings: Any) -> None:
    act_as(STAFF_A)
    pdf = client.post(URL + "/evidence/files", data={"indicator": "1"}, files={"file": ("sk.pdf", b"%PDF-1.7\n...")})
    assert pdf.status_code == 201, pdf.text
    stored = settings.data_dir / "evidence" / pdf.json()["sha256"][:2] / pdf.json()["sha256"]
    assert stored.read_bytes() == b"%PDF-1.7\n..."
    sheet = client.post(URL + "/evidence/files", data={"indicator": "2"}, files={"file": ("a.xlsx", _xlsx())})
    assert sheet.json()["content_type"].endswith("spreadsheetml.sheet")
    fake = client.post(URL + "/evidence/files", data={"indicator": "1"}, files={"file": ("x.pdf", b"MZ\x90\x00exe")})
    assert fake.status_code == 422
    assert "not a PDF, PNG, JPEG, XLSX or DOCX file" in fake.json()["detail"]
    big = b"%PDF-" + b"0" * (10 * 1024 * 1024)
    too_big = client.post(URL + "/evidence/files", data={"indicator": "1"}, files={"file": ("big.pdf", big)})
    assert too_big.status_code == 422
    assert too_big.json()["detail"] == "big.pdf is larger than 10 MB (the limit)"
    link = client.post(URL + "/evidence/links", json={"indicator": 18, "url": "https://kemendagri.go.id/splp"})
    assert link.status_code == 201
    assert len(client.get(URL).json()["evidence"]) == 3


def test_suggestions_cite_or_say_no_data(client: TestClient, act_as: Act) -> None:
    _self_assess(client, act_as)
    suggestions = client.get(URL + "/suggestions").json()
    assert [s["indicator"] for s in suggestions] == [15, 18, 42, 43, 44, 45, 46, 47]
    assert all(s["status"] in {"no data", "suggested"} for s in suggestions)
    assert all(s["suggested_level"] is None or s["citations"] for s in suggestions)
    registry = next(s for s in suggestions if s["indicator"] == 15)
    assert registry["status"] == "suggested"  # KEMENDAGRI owns the Aplikasi Umum SIPD in the reference data
    assert "Sistem Informasi Pemerintahan Daerah" in {citation["label"] for citation in registry["citations"]}


def test_history_shows_change_per_indicator(client: TestClient, act_as: Act) -> None:
    for year, level in ((2025, 2), (2026, 3)):
        url = f"/api/v1/evaluation/assessments/KEMENDAGRI/{year}"
        act_as(COORDINATOR)
        client.post(f"/api/v1/evaluation/cycles/{year}/open")
        act_as(STAFF_A)
        client.put(url + "/levels", json=_all_levels(level))
        client.post(url + "/submit")
        act_as(ASSESSOR)
        assert client.post(url + "/finalize").status_code == 200
        act_as(COORDINATOR)
        assert client.post(f"/api/v1/evaluation/cycles/{year}/close").status_code == 200
    history = client.get("/api/v1/evaluation/results/KEMENDAGRI").json()
    assert [(h["year"], h["index"]) for h in history][-2:] == [(2025, "2.00"), (2026, "3.00")]
    assert set(history[-1]["change"].values()) == {1}


def test_import_is_all_or_nothing(db_session: Session) -> None:
    from spbe.core.errors import ValidationFailed
    from spbe.core.security import SYSTEM
    from spbe.evaluation.service import importing

    header = ["agency_code", "year", "indicator", "level"]
    bad = [header, ["KEMENKEU", "2025", "1", "9"], ["NOPE", "2025", "99", "2"]]
    try:
        importing.plan_import(db_session, bad)
    except ValidationFailed as exc:
        problems = {(e.row, e.field) for e in exc.errors}
    assert {(2, "level"), (3, "agency_code"), (3, "indicator")} <= problems
    good = [header] + [["KEMENKEU", "2025", str(n), "4"] for n in range(1, 48)]
    plan = importing.plan_import(db_session, good)
    assert importing.apply_import(db_session, SYSTEM, plan) == "1 agency evaluation(s), 47 levels"

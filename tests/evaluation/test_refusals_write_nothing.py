"""A refused self-assessment, review, submission or evidence leaves the database exactly as before.

For each kind of bad input (a level off the scale, an unknown indicator, a text too long, an incomplete
self-assessment submitted, an evidence file of the wrong type or size) the rows of every evaluation table
and of the audit log are counted before and after, through the HTML forms and the JSON API alike.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from spbe.core.audit.models import AuditRecord
from spbe.core.config import Settings
from spbe.core.security import Principal
from spbe.evaluation.models import Assessment, AssessmentItem, Evidence
from spbe.evaluation.service import periods
from tests.evaluation.conftest import ASSESSOR, STAFF_A

Act = Callable[[Principal], None]
YEAR = 2031
PAGE = f"/evaluation/agencies/KEMENDAGRI/{YEAR}"
API = f"/api/v1/evaluation/assessments/KEMENDAGRI/{YEAR}"
HTML = {"accept": "text/html", "accept-language": "en"}
TOO_LONG = "x" * 10_001


@pytest.fixture(autouse=True)
def open_year(db_session: Session) -> None:
    periods.ensure_open(db_session, YEAR, "test")
    db_session.commit()


def _counts(session: Session, settings: Settings) -> dict[str, int]:
    session.expire_all()
    counts = {
        model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
        for model in (Assessment, AssessmentItem, Evidence, AuditRecord)
    }
    evidence_dir = Path(settings.data_dir) / "evidence"
    counts["evidence files"] = sum(1 for p in evidence_dir.rglob("*") if p.is_file()) if evidence_dir.exists() else 0
    return counts


def _token(client: TestClient, path: str) -> str:
    page = client.get(path, headers=HTML)
    assert page.status_code == 200, page.text
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match
    return match.group(1)


def _post_form(client: TestClient, path: str, data: dict[str, str]) -> Any:
    token = _token(client, path if not path.endswith("/submit") else path.replace("/submit", "/check"))
    return client.post(path, data={**data, "csrf_token": token, "action": "save"}, headers=HTML)


def _all(level: int = 3) -> dict[str, Any]:
    return {"items": [{"indicator": n, "level": level} for n in range(1, 48)]}


FORM_CASES = {
    "level off the scale": {"level-1": "2", "level-7": "7"},
    "level not a number": {"level-3": "tiga"},
    "text too long": {"level-2": "3", "justification-2": TOO_LONG},
    "text without a level": {"justification-4": "SK Tim SPBE"},
    "nothing chosen": {"level-99": "3"},  # not an indicator of the instrument: ignored, so nothing is chosen
}

API_CASES = {
    "level off the scale": {"items": [{"indicator": 1, "level": 2}, {"indicator": 7, "level": 7}]},
    "level zero": {"items": [{"indicator": 1, "level": 0}]},
    "unknown indicator": {"items": [{"indicator": 1, "level": 2}, {"indicator": 99, "level": 2}]},
    "indicator twice": {"items": [{"indicator": 1, "level": 2}, {"indicator": 1, "level": 3}]},
    "text too long": {"items": [{"indicator": 1, "level": 2, "justification": TOO_LONG}]},
    "no items": {"items": []},
}


@pytest.mark.parametrize("case", list(FORM_CASES))
def test_refused_self_assessment_form_writes_nothing(
    case: str, client: TestClient, act_as: Act, db_session: Session, settings: Settings
) -> None:
    act_as(STAFF_A)
    before = _counts(db_session, settings)
    response = _post_form(client, PAGE + "/self-assessment", FORM_CASES[case])
    assert response.status_code == 422, response.text
    assert "govuk-error-summary" in response.text
    assert _counts(db_session, settings) == before


@pytest.mark.parametrize("case", list(API_CASES))
def test_refused_self_assessment_api_writes_nothing(
    case: str, client: TestClient, act_as: Act, db_session: Session, settings: Settings
) -> None:
    act_as(STAFF_A)
    before = _counts(db_session, settings)
    response = client.put(API + "/levels", json=API_CASES[case])
    assert response.status_code == 422, response.text
    assert _counts(db_session, settings) == before


def test_refused_changes_to_an_existing_draft_write_nothing(
    client: TestClient, act_as: Act, db_session: Session, settings: Settings
) -> None:
    act_as(STAFF_A)
    assert client.put(API + "/levels", json={"items": [{"indicator": 1, "level": 2}]}).status_code == 200
    before = _counts(db_session, settings)
    assert client.put(API + "/levels", json=API_CASES["unknown indicator"]).status_code == 422
    assert _post_form(client, PAGE + "/self-assessment", FORM_CASES["level off the scale"]).status_code == 422
    incomplete_form = _post_form(client, PAGE + "/self-assessment/submit", {})
    assert incomplete_form.status_code == 422
    assert "no level chosen" in incomplete_form.text
    incomplete_api = client.post(API + "/submit")
    assert incomplete_api.status_code == 422
    assert "have no level" in incomplete_api.json()["detail"]
    assert _counts(db_session, settings) == before
    levels = client.get(API).json()["items"]
    assert levels[0]["self_level"] == 2
    assert all(item["self_level"] is None for item in levels[1:])


def test_submitting_what_does_not_exist_writes_nothing(
    client: TestClient, act_as: Act, db_session: Session, settings: Settings
) -> None:
    act_as(STAFF_A)
    before = _counts(db_session, settings)
    assert client.post(API + "/submit").status_code == 404
    assert _counts(db_session, settings) == before


EVIDENCE_CASES = {
    "not an allowed type": ("notes.pdf", b"MZ\x90\x00 an executable renamed"),
    "too big": ("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024)),
    "empty": ("empty.pdf", b""),
}


@pytest.mark.parametrize("case", list(EVIDENCE_CASES))
def test_refused_evidence_file_writes_nothing(
    case: str, client: TestClient, act_as: Act, db_session: Session, settings: Settings
) -> None:
    act_as(STAFF_A)
    before = _counts(db_session, settings)
    name, content = EVIDENCE_CASES[case]
    response = client.post(API + "/evidence/files", data={"indicator": "1"}, files={"file": (name, content)})
    assert response.status_code == 422, response.text
    assert _counts(db_session, settings) == before


def test_evidence_for_an_unknown_indicator_writes_nothing(
    client: TestClient, act_as: Act, db_session: Session, settings: Settings
) -> None:
    act_as(STAFF_A)
    before = _counts(db_session, settings)
    pdf = client.post(API + "/evidence/files", data={"indicator": "99"}, files={"file": ("a.pdf", b"%PDF-1.7 x")})
    assert pdf.status_code == 422
    link = client.post(API + "/evidence/links", json={"indicator": 99, "url": "https://kemendagri.go.id/x"})
    assert link.status_code == 422
    assert _counts(db_session, settings) == before


def test_refused_review_writes_nothing(
    client: TestClient, act_as: Act, db_session: Session, settings: Settings
) -> None:
    act_as(STAFF_A)
    assert client.put(API + "/levels", json=_all()).status_code == 200
    assert client.post(API + "/submit").status_code == 200
    act_as(ASSESSOR)
    before = _counts(db_session, settings)
    bad = {"items": [{"indicator": 18, "level": 2}, {"indicator": 18, "level": 9}]}
    assert client.put(API + "/review", json=bad).status_code == 422
    assert client.put(API + "/review", json={"items": [{"indicator": 48, "level": 2}]}).status_code == 422
    too_long = {"items": [{"indicator": 18, "level": 2, "note": TOO_LONG}]}
    assert client.put(API + "/review", json=too_long).status_code == 422
    for data in ({"level-18": "2", "level-19": "6"}, {"level-18": "2", "note-18": TOO_LONG}):
        response = _post_form(client, PAGE + "/review", data)
        assert response.status_code == 422, response.text
    assert _counts(db_session, settings) == before
    assert all(item["validated_level"] is None for item in client.get(API).json()["items"])

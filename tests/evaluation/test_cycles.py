"""Evaluation cycles: opened and closed by the coordinator; self-assessment only in an open year; the national
picture, the trend, the history and the ranking show closed (published) years only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from spbe.core.audit.models import AuditRecord
from spbe.core.security import Principal
from spbe.evaluation import forms
from spbe.evaluation.demo import seed_demo_evaluations
from spbe.evaluation.models import Assessment, AssessmentItem, EvaluationCycle, Evidence
from spbe.evaluation.service import cycle, national, periods, views
from tests.evaluation.conftest import ASSESSOR, COORDINATOR, STAFF_A

Act = Callable[[Principal], None]
HTML = {"accept": "text/html", "accept-language": "en"}
API = "/api/v1/evaluation"


@pytest.fixture
def seeded(db_session: Session) -> Session:
    seed_demo_evaluations(db_session, (2023, 2024))
    db_session.commit()
    return db_session


def _all_levels(level: int = 5) -> dict[str, Any]:
    return {"items": [{"indicator": n, "level": level} for n in range(1, 48)]}


def _finalize_one(client: TestClient, act_as: Act, year: int = 2025) -> None:
    url = f"{API}/assessments/KEMENDAGRI/{year}"
    act_as(STAFF_A)
    assert client.put(url + "/levels", json=_all_levels()).status_code == 200
    assert client.post(url + "/submit").status_code == 200
    act_as(ASSESSOR)
    assert client.post(url + "/finalize").status_code == 200


def test_demo_data_close_the_seeded_years_and_open_the_next(seeded: Session) -> None:
    assert periods.closed_years(seeded) == [2023, 2024]
    assert periods.open_years(seeded) == [2025]
    assert cycle.open_cycle_year(seeded) == 2025


def test_one_finalized_agency_does_not_take_over_the_national_picture(
    seeded: Session, client: TestClient, act_as: Act, app: FastAPI
) -> None:
    trend, years = national.trend(seeded), national.final_years(seeded)
    ranking = [(a.code, a.index) for a in national.picture(seeded, 2024).ranking]
    history = [(h.year, h.index) for h in views.history(seeded, "KEMENDAGRI")]

    _finalize_one(client, act_as)

    assert national.trend(seeded) == trend
    assert national.final_years(seeded) == years == [2023, 2024]
    assert [(a.code, a.index) for a in national.picture(seeded, 2024).ranking] == ranking
    assert [(h.year, h.index) for h in views.history(seeded, "KEMENDAGRI")] == history
    assert cycle.open_cycle_year(seeded) == 2025  # the cycle year does not move by itself
    page = client.get("/evaluation", headers=HTML).text
    assert "National SPBE index 2024" in page
    assert 'data-testid="cycles-in-progress"' not in page  # the public sees no year in progress
    assert client.get(f"{API}/national/2025").status_code == 404
    assert client.get(f"{API}/results/KEMENDAGRI/2025").status_code == 404

    app.dependency_overrides[forms.viewer] = lambda: ASSESSOR
    staff = client.get("/evaluation", headers=HTML).text
    assert 'data-testid="cycle-2025"' in staff
    assert "1 of" in staff
    assert "1 final" in staff
    assert 'data-testid="close-2025"' not in staff  # only the coordinator closes
    act_as(ASSESSOR)
    coverage = client.get(f"{API}/cycles/2025/coverage").json()
    assert (coverage["status"], coverage["final"], coverage["started"]) == ("open", 1, 1)


def test_closing_the_cycle_publishes_the_year(seeded: Session, client: TestClient, act_as: Act) -> None:
    _finalize_one(client, act_as)
    act_as(STAFF_A)
    assert client.post(f"{API}/cycles/2025/close").status_code == 403
    act_as(COORDINATOR)
    closed = client.post(f"{API}/cycles/2025/close")
    assert closed.status_code == 200, closed.text
    assert (closed.json()["status"], closed.json()["final"]) == ("closed", 1)
    assert national.final_years(seeded) == [2023, 2024, 2025]
    assert client.get(f"{API}/national/2025").json()["agencies"] == 1
    assert client.post(f"{API}/cycles/2025/close").status_code == 409
    assert client.post(f"{API}/cycles/2025/open").status_code == 409  # published stays published
    act_as(STAFF_A)
    refused = client.put(f"{API}/assessments/KEMENKEU/2025/levels", json=_all_levels())
    assert refused.status_code in (403, 409)
    late = client.put(f"{API}/assessments/KEMENDAGRI/2025/levels", json=_all_levels(1))
    assert late.status_code == 409


def test_self_assessment_only_in_an_open_cycle(client: TestClient, act_as: Act, db_session: Session) -> None:
    act_as(STAFF_A)
    far = client.put(f"{API}/assessments/KEMENDAGRI/2090/levels", json=_all_levels())
    assert far.status_code == 409
    assert "No evaluation cycle is open for 2090" in far.json()["detail"]
    link = {"indicator": 1, "url": "https://kemendagri.go.id/sk"}
    assert client.post(f"{API}/assessments/KEMENDAGRI/2090/evidence/links", json=link).status_code == 409
    assert db_session.scalar(select(func.count()).select_from(Assessment).where(Assessment.year == 2090)) == 0
    assert 2090 not in periods.open_years(db_session)
    act_as(COORDINATOR)
    assert client.post(f"{API}/cycles/2090/open").status_code == 201
    act_as(STAFF_A)
    assert client.put(f"{API}/assessments/KEMENDAGRI/2090/levels", json=_all_levels()).status_code == 200
    assert client.get(f"{API}/cycles").json()[-1] == {**client.get(f"{API}/cycles").json()[-1], "year": 2090}


def test_only_the_coordinator_opens_a_cycle(client: TestClient, act_as: Act) -> None:
    for principal in (STAFF_A, ASSESSOR):
        act_as(principal)
        assert client.post(f"{API}/cycles/2026/open").status_code == 403
    act_as(COORDINATOR)
    assert client.post(f"{API}/cycles/1999/open").status_code == 422
    assert client.post(f"{API}/cycles/2025/open").status_code == 409  # already open


def _counts(session: Session) -> dict[str, int]:
    session.expire_all()
    models = (Assessment, AssessmentItem, Evidence, EvaluationCycle)
    return {m.__tablename__: session.scalar(select(func.count()).select_from(m)) or 0 for m in models}


def _denials(session: Session) -> list[AuditRecord]:
    session.expire_all()
    return list(session.scalars(select(AuditRecord).where(AuditRecord.outcome == "denied")).all())


@pytest.mark.parametrize(
    ("who", "method", "path", "body"),
    [
        (ASSESSOR, "put", "/assessments/KEMENDAGRI/2025/levels", _all_levels()),
        (STAFF_A, "post", "/assessments/KEMENDAGRI/2025/finalize", None),
        (STAFF_A, "post", "/cycles/2026/open", None),
    ],
)
def test_a_refused_action_leaves_one_denied_record_and_nothing_else(
    who: Principal, method: str, path: str, body: Any, client: TestClient, act_as: Act, db_session: Session
) -> None:
    before, denied_before = _counts(db_session), len(_denials(db_session))
    act_as(who)
    response = client.request(method.upper(), API + path, json=body)
    assert response.status_code == 403, response.text
    denials = _denials(db_session)
    assert len(denials) == denied_before + 1
    assert denials[-1].actor == who.subject
    assert denials[-1].action.startswith("evaluation.")
    assert _counts(db_session) == before


def test_coordinator_buttons_open_and_close_a_cycle(
    seeded: Session, client: TestClient, act_as: Act, app: FastAPI
) -> None:
    app.dependency_overrides[forms.viewer] = lambda: COORDINATOR
    act_as(COORDINATOR)
    page = client.get("/evaluation", headers=HTML)
    assert 'data-testid="close-2025"' in page.text
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    opened = client.post("/evaluation/cycles/open", data={"csrf_token": token, "year": "2026"}, headers=HTML)
    assert opened.status_code == 200
    assert 'data-testid="cycle-2026"' in opened.text
    closed = client.post("/evaluation/cycles/2025/close", data={"csrf_token": token}, headers=HTML)
    assert closed.status_code == 200
    assert periods.closed_years(seeded) == [2023, 2024, 2025]
    forged = client.post("/evaluation/cycles/open", data={"csrf_token": "forged", "year": "2027"}, headers=HTML)
    assert forged.status_code == 403

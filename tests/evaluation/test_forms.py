"""The HTML forms of the assessment cycle: self-assessment, check answers, submit, review, finalize."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from spbe.core import csrf
from spbe.core.security import Principal
from spbe.evaluation import forms
from spbe.evaluation.demo import seed_demo_evaluations
from spbe.evaluation.models import AssessmentItem
from tests.evaluation.conftest import ASSESSOR, STAFF_A, STAFF_B

Act = Callable[[Principal], None]
BASE = "/evaluation/agencies/KEMENDAGRI/2025"
HTML = {"accept": "text/html", "accept-language": "en"}


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def _levels(level: str = "3", prefix: str = "justification") -> dict[str, str]:
    data: dict[str, str] = {}
    for n in range(1, 48):
        data[f"level-{n}"] = level
        data[f"{prefix}-{n}"] = "SK Tim SPBE"
    return data


def _fill(client: TestClient, data: dict[str, str], action: str = "continue") -> tuple[str, httpx.Response]:
    page = client.get(BASE + "/self-assessment", headers=HTML)
    assert page.status_code == 200, page.text
    token = _token(page.text)
    response = client.post(
        BASE + "/self-assessment",
        data={**data, "csrf_token": token, "action": action},
        headers=HTML,
        follow_redirects=False,
    )
    return token, response


def _submitted(client: TestClient, act_as: Act) -> None:
    act_as(STAFF_A)
    token, _response = _fill(client, _levels())
    assert client.post(BASE + "/self-assessment/submit", data={"csrf_token": token}, headers=HTML).status_code == 200


def test_staff_fill_check_and_submit_then_assessor_reviews_and_finalizes(client: TestClient, act_as: Act) -> None:
    act_as(STAFF_A)
    form = client.get(BASE + "/self-assessment", headers=HTML)
    assert "Rintisan" in form.text  # level names of the indicator's scale
    assert "csrf_token" in form.text
    assert form.cookies.get(csrf.COOKIE) or client.cookies.get(csrf.COOKIE)
    token, saved = _fill(client, {"level-1": "2", "justification-1": "Draf"}, action="save")
    assert saved.status_code == 303
    assert "saved=true" in saved.headers["location"]
    token, response = _fill(client, _levels())
    assert response.headers["location"].endswith("/self-assessment/check")
    check = client.get(BASE + "/self-assessment/check", headers=HTML)
    assert check.status_code == 200
    assert "3 – Terdefinisi" in check.text
    token = _token(check.text)
    done = client.post(BASE + "/self-assessment/submit", data={"csrf_token": token}, headers=HTML)
    assert done.status_code == 200, done.text
    assert 'data-testid="confirmation"' in done.text

    act_as(ASSESSOR)
    review = client.get(BASE + "/review", headers=HTML)
    assert review.status_code == 200
    data = {"csrf_token": _token(review.text), "level-18": "2", "note-18": "Belum terhubung SPLP", "action": "continue"}
    saved_review = client.post(BASE + "/review", data=data, headers=HTML, follow_redirects=False)
    assert saved_review.status_code == 303, saved_review.text
    check = client.get(BASE + "/review/check", headers=HTML)
    assert "Belum terhubung SPLP" in check.text
    final = client.post(BASE + "/review/finalize", data={"csrf_token": _token(check.text)}, headers=HTML)
    assert final.status_code == 200, final.text
    assert "2.98" in final.text
    assert client.get("/api/v1/evaluation/assessments/KEMENDAGRI/2025").json()["status"] == "final"
    assert client.get("/api/v1/evaluation/results/KEMENDAGRI/2025").status_code == 404  # published on close


def test_other_agency_staff_and_assessor_are_refused(client: TestClient, act_as: Act) -> None:
    act_as(STAFF_B)
    assert client.get(BASE + "/self-assessment", headers=HTML).status_code == 403
    act_as(ASSESSOR)
    assert client.get(BASE + "/self-assessment", headers=HTML).status_code == 403
    act_as(STAFF_A)
    token, _ = _fill(client, {"level-1": "2"}, action="save")
    act_as(STAFF_B)
    denied = client.post(BASE + "/self-assessment", data={"csrf_token": token, "level-1": "4"}, headers=HTML)
    assert denied.status_code == 403
    act_as(STAFF_A)
    assert client.get(BASE + "/review", headers=HTML).status_code == 403


def test_level_out_of_scale_is_shown_and_nothing_saved(client: TestClient, act_as: Act, db_session: Session) -> None:
    act_as(STAFF_A)
    _, response = _fill(client, {"level-1": "2", "level-7": "7"}, action="save")
    assert response.status_code == 422
    text = response.text
    assert "govuk-error-summary" in text
    assert 'href="#level-7"' in text
    assert "7. " in text
    assert "choose a level from 1 to 5" in text
    assert db_session.scalars(select(AssessmentItem)).all() == []
    _, not_a_number = _fill(client, {"level-3": "abc"}, action="save")
    assert not_a_number.status_code == 422
    assert 'href="#level-3"' in not_a_number.text


def test_post_without_or_with_wrong_csrf_token_is_refused(client: TestClient, act_as: Act, db_session: Session) -> None:
    act_as(STAFF_A)
    client.get(BASE + "/self-assessment", headers=HTML)
    assert client.post(BASE + "/self-assessment", data={"level-1": "3"}, headers=HTML).status_code == 403
    wrong = {"level-1": "3", "csrf_token": "x" * 43}
    assert client.post(BASE + "/self-assessment", data=wrong, headers=HTML).status_code == 403
    client.cookies.clear()
    no_cookie = {"level-1": "3", "csrf_token": "x" * 43}
    assert client.post(BASE + "/self-assessment", data=no_cookie, headers=HTML).status_code == 403
    assert db_session.scalars(select(AssessmentItem)).all() == []


def test_editing_after_finalize_is_refused(client: TestClient, act_as: Act) -> None:
    _submitted(client, act_as)
    act_as(ASSESSOR)
    check = client.get(BASE + "/review/check", headers=HTML)
    token = _token(check.text)
    assert client.post(BASE + "/review/finalize", data={"csrf_token": token}, headers=HTML).status_code == 200
    assert client.post(BASE + "/review/finalize", data={"csrf_token": token}, headers=HTML).status_code == 409
    again = client.post(BASE + "/review", data={"csrf_token": token, "level-1": "1"}, headers=HTML)
    assert again.status_code == 409
    act_as(STAFF_A)
    page = client.get(BASE + "/self-assessment", headers=HTML)
    assert 'data-testid="locked"' in page.text
    edit = client.post(BASE + "/self-assessment", data={**_levels("4"), "csrf_token": token}, headers=HTML)
    assert edit.status_code == 409


def test_agency_page_links_the_forms_for_who_may_act(
    client: TestClient, act_as: Act, app: FastAPI, db_session: Session
) -> None:
    seed_demo_evaluations(db_session, (2024,))
    db_session.flush()
    agency = "/evaluation/agencies/KEMENDAGRI"
    assert 'data-testid="actions"' not in client.get(agency, headers=HTML).text
    app.dependency_overrides[forms.viewer] = lambda: STAFF_A
    page = client.get(agency, headers=HTML).text
    assert 'href="/evaluation/agencies/KEMENDAGRI/2025/self-assessment"' in page  # the open cycle, after 2024
    assert "/review" not in page
    app.dependency_overrides[forms.viewer] = lambda: ASSESSOR
    page = client.get(agency, headers=HTML).text
    assert "/self-assessment" not in page
    assert "/review" not in page  # nothing submitted yet
    assert "No self-assessment for 2025 has been started." in page
    app.dependency_overrides[forms.viewer] = lambda: STAFF_B
    assert 'data-testid="actions"' not in client.get(agency, headers=HTML).text

    act_as(STAFF_A)
    _fill(client, _levels())
    assert (
        client.post(
            BASE + "/self-assessment/submit",
            data={"csrf_token": _token(client.get(BASE + "/self-assessment/check", headers=HTML).text)},
            headers=HTML,
        ).status_code
        == 200
    )
    app.dependency_overrides[forms.viewer] = lambda: ASSESSOR
    page = client.get(agency, headers=HTML).text
    assert 'href="/evaluation/agencies/KEMENDAGRI/2025/review"' in page
    assert "2025: submitted" in page


def test_submitting_an_incomplete_self_assessment_names_the_missing_indicators(client: TestClient, act_as: Act) -> None:
    act_as(STAFF_A)
    token, saved = _fill(client, {"level-1": "2"}, action="save")
    assert saved.status_code == 303
    response = client.post(BASE + "/self-assessment/submit", data={"csrf_token": token}, headers=HTML)
    assert response.status_code == 422
    assert "govuk-error-summary" in response.text
    assert "47. " in response.text
    assert "no level chosen" in response.text


def test_errors_are_translated(client: TestClient, act_as: Act) -> None:
    act_as(STAFF_A)
    page = client.get(BASE + "/self-assessment", headers={"accept": "text/html", "accept-language": "id"})
    data = {"csrf_token": _token(page.text), "level-7": "7"}
    response = client.post(
        BASE + "/self-assessment", data=data, headers={"accept": "text/html", "accept-language": "id"}
    )
    assert response.status_code == 422
    assert "pilih tingkat dari 1 sampai 5" in response.text

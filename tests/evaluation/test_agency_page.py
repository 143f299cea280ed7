"""The agency page without a final result, its links (the year viewed, the open cycle), and every link of the
evaluation pages answering 200."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from spbe.core.security import Principal
from spbe.evaluation import forms
from spbe.evaluation.demo import seed_demo_evaluations
from spbe.evaluation.service.cycle import open_cycle_year
from tests.evaluation.conftest import ASSESSOR, STAFF_A

Act = Callable[[Principal], None]
HTML = {"accept": "text/html", "accept-language": "en"}
PAGE = "/evaluation/agencies/KEMENDAGRI"


@pytest.fixture
def seeded(db_session: Session) -> Session:
    seed_demo_evaluations(db_session, (2023, 2024))
    db_session.flush()
    return db_session


def test_an_agency_without_any_result_is_shown(client: TestClient, db_session: Session) -> None:
    year = open_cycle_year(db_session)
    page = client.get("/evaluation/agencies/KEMENKEU", headers=HTML)
    assert page.status_code == 200, page.text
    assert "Kementerian Keuangan" in page.text
    assert "Central agencies · Ministry · KEMENKEU" in page.text  # its group and type, once each
    assert f"has no final evaluation result for {year} yet" in page.text
    assert 'data-testid="suggestions"' in page.text  # evidence is still suggested
    assert 'data-testid="agency-index"' not in page.text
    assert client.get("/evaluation/agencies/NOPE", headers=HTML).status_code == 404


def test_a_year_without_a_result_lists_the_years_that_exist(client: TestClient, seeded: Session) -> None:
    page = client.get(PAGE + "?year=2019", headers=HTML)
    assert page.status_code == 200
    assert "has no final evaluation result for 2019 yet" in page.text
    assert f'href="{PAGE}?year=2024"' in page.text
    assert f'href="{PAGE}?year=2023"' in page.text
    assert "See the latest final result (2024)" in page.text
    latest = client.get(PAGE, headers=HTML).text
    assert 'data-testid="agency-index"' in latest
    assert "<strong>2024</strong>" in latest  # the year viewed is not a link


def test_staff_see_the_draft_and_links_for_the_years_they_can_act_on(
    client: TestClient, act_as: Act, app: FastAPI, seeded: Session
) -> None:
    assert open_cycle_year(seeded) == 2025  # demo data are final up to 2024
    act_as(STAFF_A)
    url = "/api/v1/evaluation/assessments/KEMENDAGRI/2025/levels"
    assert client.put(url, json={"items": [{"indicator": 1, "level": 2}]}).status_code == 200
    assert open_cycle_year(seeded) == 2025  # still open while a 2025 assessment is not final

    public = client.get(PAGE + "?year=2025", headers=HTML).text
    assert "has no final evaluation result for 2025 yet" in public
    assert 'data-testid="progress"' not in public  # drafts are not public
    assert "draft" not in public

    app.dependency_overrides[forms.viewer] = lambda: STAFF_A
    staff = client.get(PAGE + "?year=2025", headers=HTML).text
    assert "2025: draft — 1 of 47 indicators have a level" in staff
    assert f'href="{PAGE}/2025/self-assessment"' in staff
    assert "Continue the self-assessment for 2025" in staff
    viewing_2019 = client.get(PAGE + "?year=2019", headers=HTML).text
    assert f'href="{PAGE}/2019/self-assessment"' not in viewing_2019  # no cycle open for 2019
    assert f'href="{PAGE}/2025/self-assessment"' in viewing_2019  # and the open cycle
    viewing_2024 = client.get(PAGE + "?year=2024", headers=HTML).text
    assert f'href="{PAGE}/2024/self-assessment"' not in viewing_2024  # final years have no form

    app.dependency_overrides[forms.viewer] = lambda: ASSESSOR
    assessor = client.get(PAGE, headers=HTML).text
    assert "2025: draft" in assessor
    assert "/review" not in assessor  # not submitted yet


def _links(html: str) -> set[str]:
    """The page's links into the evaluation (pages and API); the layout's own links belong to core."""
    links = {href.replace("&amp;", "&") for href in re.findall(r'href="(/[^"]*)"', html)}
    return {link for link in links if link.startswith(("/evaluation", "/api/v1/evaluation"))}


def test_every_link_of_the_evaluation_pages_answers(client: TestClient, seeded: Session) -> None:
    pages = ["/evaluation", "/evaluation?year=2023", PAGE, PAGE + "?year=2019", "/evaluation/heatmap?group=city"]
    seen: set[str] = set()
    for page in pages:
        response = client.get(page, headers=HTML)
        assert response.status_code == 200, page
        seen |= _links(response.text)
    ranking = {link for link in seen if link.startswith("/evaluation/agencies/")}
    checked = (seen - ranking) | set(sorted(ranking)[:5])
    failures = {link: client.get(link, headers=HTML).status_code for link in sorted(checked)}
    assert {link: status for link, status in failures.items() if status != 200} == {}
    assert any(link.endswith("report.pdf") for link in checked)
    assert any("export.xlsx" in link for link in checked)

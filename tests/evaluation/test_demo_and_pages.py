"""Demo data (idempotent, shaped like the published trend), the national API, pages, exports and charts."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from spbe.evaluation.charts import heatmap, histogram, radar
from spbe.evaluation.demo import seed_demo_evaluations
from spbe.evaluation.service.national import picture, trend

YEARS = (2023, 2024)


@pytest.fixture
def seeded(db_session: Session) -> Session:
    seed_demo_evaluations(db_session, YEARS)
    db_session.flush()
    return db_session


def test_demo_seed_is_idempotent_and_follows_the_trend(seeded: Session) -> None:
    assert seed_demo_evaluations(seeded, YEARS).startswith("0 agency evaluations added")
    assert trend(seeded) == [(2023, Decimal("2.79")), (2024, Decimal("3.12"))]
    national = picture(seeded, 2024)
    assert national.index == Decimal("3.12")
    assert national.predikat == "Baik"
    assert national.previous_index == Decimal("2.79")
    groups = {g.group: g for g in national.groups}
    central, regency = groups["central"].index, groups["regency"].index
    assert central is not None
    assert regency is not None
    assert central > regency
    assert national.weakest(1)[0].number in range(21, 32)  # Manajemen is the weakest domain
    assert sum(national.predikat_counts.values()) == len(national.agencies)


def test_national_api_and_exports(seeded: Session, client: TestClient) -> None:
    body = client.get("/api/v1/evaluation/national/2024").json()
    assert body["index"] == "3.12"
    assert body["previous_index"] == "2.79"
    assert body["ranking"][0]["rank"] == 1
    assert len(body["weakest_indicators"]) == 10
    csv = client.get("/api/v1/evaluation/national/2024/export.csv")
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.lstrip("\ufeff").startswith("rank,agency_code,agency_name")
    xlsx = client.get("/api/v1/evaluation/national/2024/export.xlsx")
    assert xlsx.content[:2] == b"PK"
    assert client.get("/api/v1/evaluation/national/2024/export.doc").status_code == 404


def test_agency_report_formats(seeded: Session, client: TestClient) -> None:
    base = "/api/v1/evaluation/results/KEMENDAGRI/2024/report"
    pdf = client.get(base + ".pdf").content
    assert pdf.startswith(b"%PDF")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 2  # A4: scores, then the 47 indicators
    sheet = load_workbook(io.BytesIO(client.get(base + ".xlsx").content)).active
    assert [c.value for c in sheet[1]][:5] == ["indicator", "name", "domain", "aspect", "weight"]
    assert sheet.max_row == 48
    assert isinstance(sheet["E2"].value, (int, float))  # weights are numbers, not text
    assert "indicator,name" in client.get(base + ".csv").text
    assert client.get("/api/v1/evaluation/results/KEMENDAGRI/2019/report.pdf").status_code == 404


def test_national_xlsx_has_numbers_and_the_years_domains(seeded: Session, client: TestClient) -> None:
    sheet = load_workbook(io.BytesIO(client.get("/api/v1/evaluation/national/2024/export.xlsx").content)).active
    header = [c.value for c in sheet[1]]
    assert header[-5:] == ["D1", "D2", "D3", "D4", "change"]
    row = [c.value for c in sheet[2]]
    assert row[0] == 1
    assert isinstance(row[5], (int, float))
    assert sheet.cell(2, 6).number_format == "0.00"
    assert isinstance(row[-1], (int, float))  # change from 2023


def test_pages(seeded: Session, client: TestClient) -> None:
    html = {"accept": "text/html", "accept-language": "en"}
    dashboard = client.get("/evaluation", headers=html)
    assert dashboard.status_code == 200
    assert "3.12" in dashboard.text
    assert "<svg" in dashboard.text
    agency = client.get("/evaluation/agencies/KEMENDAGRI", headers=html)
    assert agency.status_code == 200
    assert "Kementerian Dalam Negeri" in agency.text
    assert 'data-testid="suggestions"' in agency.text
    assert "no data" in agency.text
    assert client.get("/evaluation/heatmap?group=province", headers=html).status_code == 200
    assert client.get("/evaluation/agencies/NOPE", headers=html).status_code == 404


def test_empty_dashboard(client: TestClient) -> None:
    assert client.get("/evaluation", headers={"accept": "text/html"}).status_code == 200


def test_charts_escape_labels() -> None:
    chart = radar({"D1": Decimal("3.36")}, {"D1": "<b>Kebijakan</b>"})
    assert "<b>" not in chart
    assert "&lt;b&gt;" in chart
    assert histogram({"Baik": 3}).count("<rect") == 1
    assert heatmap([("x", [1, 5, None])], [1, 2, 3]).count("<rect") == 3

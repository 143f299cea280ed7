"""Review findings of issue 6: import dry run = apply, instruments by ``in_force_from``, CLI report paths,
form errors at once, size message, readable link errors, HTML error pages, evidence in the browser."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from spbe.cli.main import app as cli
from spbe.core.audit.models import AuditRecord
from spbe.core.errors import ValidationFailed
from spbe.core.security import SYSTEM, Principal
from spbe.evaluation.instruments.loader import DEFAULT_INSTRUMENT, INSTRUMENT_DIR, load_instrument_file
from spbe.evaluation.service import importing
from spbe.evaluation.service.instruments import instrument_for_year, load_file
from tests.core.fresh_database import cli_database
from tests.evaluation.conftest import ASSESSOR, STAFF_A, STAFF_B
from tests.evaluation.test_instruments import SECOND

Act = Callable[[Principal], None]
HTML = {"accept": "text/html", "accept-language": "en"}
BASE = "/evaluation/agencies/KEMENDAGRI/2025"
HEADER = ["agency_code", "year", "indicator", "level"]


def _rows(code: str, year: int, level: int = 4) -> list[list[str]]:
    return [HEADER] + [[code, str(year), str(n), str(level)] for n in range(1, 48)]


# 3. import: the dry run refuses what --apply would refuse; the audit says what was imported


def test_dry_run_refuses_an_agency_year_that_exists(db_session: Session) -> None:
    importing.apply_import(db_session, SYSTEM, importing.plan_import(db_session, _rows("KEMENKEU", 2022)))
    with pytest.raises(ValidationFailed) as caught:
        importing.plan_import(db_session, _rows("KEMENKEU", 2022))  # the dry run
    assert [e.message for e in caught.value.errors] == ["KEMENKEU already has an evaluation for 2022"]


def test_import_audit_records_year_agencies_and_file_digest(db_session: Session) -> None:
    rows = _rows("KEMENKEU", 2022) + _rows("KEMENDAGRI", 2022)[1:]
    plan = importing.plan_import(db_session, rows, ("levels.csv", "ab" * 32))
    importing.apply_import(db_session, SYSTEM, plan)
    entry = db_session.scalars(
        select(AuditRecord).where(AuditRecord.action == "evaluation.import", AuditRecord.object_id == "2022")
    ).one()
    assert entry.data == {"year": 2022, "agencies": 2, "levels": 94, "file": "levels.csv", "sha256": "ab" * 32}
    per_agency = db_session.scalars(select(AuditRecord).where(AuditRecord.object_id == "KEMENKEU/2022")).one()
    assert per_agency.data == {"levels": 47, "sha256": "ab" * 32}


# 4. instruments: in_force_from, total weight fixed at 100, clear messages


def _successor(tmp_path: Path, **changes: Any) -> Path:
    document = {**SECOND, "code": "indeks-pemerintah-digital", "in_force_from": 2026, **changes}
    path = tmp_path / "ipd.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_a_successor_instrument_takes_effect_from_its_year(db_session: Session, tmp_path: Path) -> None:
    assert instrument_for_year(db_session, 2026)[1].code == DEFAULT_INSTRUMENT
    assert load_file(db_session, _successor(tmp_path)).startswith("loaded indeks-pemerintah-digital@1")
    assert instrument_for_year(db_session, 2026)[1].code == "indeks-pemerintah-digital"
    assert instrument_for_year(db_session, 2030)[1].code == "indeks-pemerintah-digital"
    assert instrument_for_year(db_session, 2025)[1].code == DEFAULT_INSTRUMENT
    assert "already loaded" in load_file(db_session, _successor(tmp_path))


def test_a_year_already_assessed_keeps_its_instrument(db_session: Session, tmp_path: Path) -> None:
    importing.apply_import(db_session, SYSTEM, importing.plan_import(db_session, _rows("KEMENKEU", 2027)))
    load_file(db_session, _successor(tmp_path))
    assert instrument_for_year(db_session, 2027)[1].code == DEFAULT_INSTRUMENT
    assert instrument_for_year(db_session, 2028)[1].code == "indeks-pemerintah-digital"


def _messages(path: Path) -> list[str]:
    with pytest.raises(ValidationFailed) as caught:
        load_instrument_file(path)
    return [f"{e.field}: {e.message}" for e in caught.value.errors]


def test_instrument_file_problems_are_named_clearly(tmp_path: Path) -> None:
    given: list[dict[str, Any]] = json.loads(json.dumps(SECOND["indicators"]))
    indicators = [{**given[0], "weight": "abc"}, given[1]]
    assert _messages(_successor(tmp_path, indicators=indicators)) == [
        'indicators[0].weight: must be a number of 0 or more, not "abc"'
    ]
    assert _messages(_successor(tmp_path, total_weight=60)) == [
        "total_weight: must be 100 (the index weights always add up to 100), not 60"
    ]
    assert _messages(_successor(tmp_path, in_force_from="next year")) == [
        'in_force_from: must be a year from 2018 to 2100, not "next year"'
    ]
    bundled = load_instrument_file(INSTRUMENT_DIR / f"{DEFAULT_INSTRUMENT}.json")
    assert bundled.total_weight == 100
    assert bundled.in_force_from is None


def test_loading_a_bad_file_writes_nothing(db_session: Session, tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed):
        load_file(db_session, _successor(tmp_path, total_weight=60))
    assert instrument_for_year(db_session, 2026)[1].code == DEFAULT_INSTRUMENT


# 6. CLI: report into a missing folder; instruments load/list; cycles


@pytest.fixture
def factory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[sessionmaker[Session]]:
    with cli_database(tmp_path, monkeypatch, reference=True) as session_factory:
        yield session_factory


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["evaluation", *args], env={"COLUMNS": "200"})
    return result.exit_code, result.output


def test_cli(factory: sessionmaker[Session], tmp_path: Path) -> None:
    levels = tmp_path / "levels.csv"
    levels.write_text("\n".join(",".join(row) for row in _rows("KEMENKEU", 2024)), encoding="utf-8")
    assert _cli("import", str(levels), "--apply")[0] == 0
    code, output = _cli("import", str(levels))  # the dry run now says what --apply would say
    assert code == 1
    assert "KEMENKEU already has an evaluation for 2024" in output
    out = tmp_path / "missing" / "dir" / "x.pdf"
    code, output = _cli("report", "--agency", "KEMENKEU", "--year", "2024", "--out", str(out))
    assert code == 0, output
    assert out.read_bytes().startswith(b"%PDF")
    blocked = tmp_path / "file"
    blocked.write_text("not a folder", encoding="utf-8")
    code, output = _cli("report", "--agency", "KEMENKEU", "--year", "2024", "--out", str(blocked / "x.pdf"))
    assert code == 1
    assert "Cannot write" in output
    assert "Traceback" not in output

    assert _cli("instruments", "load", str(_successor(tmp_path)))[0] == 0
    code, output = _cli("instruments", "list")
    assert "indeks-pemerintah-digital@1" in output
    assert "2026" in output
    code, output = _cli("instruments", "load", str(_successor(tmp_path, total_weight=60)))
    assert code == 1
    assert "total_weight: must be 100" in output
    assert _cli("instruments", "load", str(tmp_path / "nope.json"))[0] == 1

    assert _cli("cycle", "open", "2026") == (0, "✓ The 2026 evaluation cycle is open.\n")
    code, output = _cli("cycle", "open", "2026")
    assert code == 1
    assert "already open" in output
    assert _cli("cycle", "close", "2026")[0] == 0
    assert "closed" in _cli("cycle", "list")[1]


# 7. 8. 9. forms and pages


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)


def _form(client: TestClient) -> str:
    page = client.get(BASE + "/self-assessment", headers=HTML)
    assert page.status_code == 200, page.text
    return _token(page.text)


def test_all_form_errors_are_reported_at_once(client: TestClient, act_as: Act) -> None:
    act_as(STAFF_A)
    data = {"csrf_token": _form(client), "level-1": "abc", "level-2": "7", "action": "save"}
    response = client.post(BASE + "/self-assessment", data=data, headers=HTML)
    assert response.status_code == 422
    summary = response.text.split("govuk-error-summary__list")[1].split("</ul>")[0]
    assert 'href="#level-1"' in summary
    assert 'href="#level-2"' in summary


def test_evidence_upload_link_review_and_download(client: TestClient, act_as: Act, db_session: Session) -> None:
    act_as(STAFF_A)
    pdf = b"%PDF-1.7 SK Tim SPBE"
    data = {
        "csrf_token": _form(client),
        "level-1": "3",
        "evidence-link-1": "https://kemendagri.go.id/sk",
        "action": "save",
    }
    files = {"evidence-file-1": ("SK tim.pdf", pdf, "application/pdf")}
    saved = client.post(BASE + "/self-assessment", data=data, files=files, headers=HTML, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    form = client.get(BASE + "/self-assessment", headers=HTML).text
    assert 'enctype="multipart/form-data"' in form
    assert "https://kemendagri.go.id/sk" in form
    download = re.search(rf'href="({BASE}/evidence/\d+)"', form)
    assert download
    file = client.get(download.group(1))
    assert file.status_code == 200
    assert file.content == pdf
    assert file.headers["content-type"] == "application/pdf"
    assert file.headers["content-disposition"].startswith('attachment; filename="SK tim.pdf"')
    act_as(ASSESSOR)
    assert client.get(download.group(1)).status_code == 200
    act_as(STAFF_B)
    assert client.get(download.group(1)).status_code == 403
    query = select(AuditRecord.outcome).where(
        AuditRecord.object_id == "KEMENDAGRI/2025", AuditRecord.action == "evaluation.evidence-download"
    )
    assert sorted(db_session.scalars(query).all()) == ["denied", "success", "success"]


def test_review_form_lists_each_indicators_evidence(client: TestClient, act_as: Act) -> None:
    act_as(STAFF_A)
    api = "/api/v1/evaluation/assessments/KEMENDAGRI/2025"
    assert (
        client.put(api + "/levels", json={"items": [{"indicator": n, "level": 3} for n in range(1, 48)]}).status_code
        == 200
    )
    assert client.post(api + "/evidence/links", json={"indicator": 5, "url": "https://x.go.id/a"}).status_code == 201
    assert client.post(api + "/submit").status_code == 200
    act_as(ASSESSOR)
    review = client.get(BASE + "/review", headers=HTML).text
    assert 'data-testid="evidence-5"' in review
    assert "https://x.go.id/a" in review


def test_bad_evidence_on_the_form_is_named_and_nothing_is_saved(client: TestClient, act_as: Act) -> None:
    act_as(STAFF_A)
    big = b"%PDF-1.7" + b"0" * (10 * 1024 * 1024)
    data = {"csrf_token": _form(client), "level-1": "3", "evidence-link-2": "kemendagri.go.id", "action": "save"}
    files = {"evidence-file-1": ("big.pdf", big, "application/pdf"), "evidence-file-3": ("x.exe", b"MZ", "x")}
    response = client.post(BASE + "/self-assessment", data=data, files=files, headers=HTML)
    assert response.status_code == 422
    assert "big.pdf is larger than 10 MB (the limit)" in response.text
    assert "the link must be a web address starting with http:// or https://" in response.text
    assert "x.exe is not a PDF, PNG, JPEG, XLSX or DOCX file" in response.text
    assert client.get("/api/v1/evaluation/assessments/KEMENDAGRI/2025").status_code == 404


def test_api_messages_for_size_and_link(client: TestClient, act_as: Act) -> None:
    act_as(STAFF_A)
    api = "/api/v1/evaluation/assessments/KEMENDAGRI/2025"
    big = b"%PDF-1.7" + b"0" * (10 * 1024 * 1024)
    response = client.post(api + "/evidence/files", data={"indicator": "1"}, files={"file": ("big.pdf", big)})
    assert response.status_code == 422
    assert response.json()["detail"] == "big.pdf is larger than 10 MB (the limit)"
    link = client.post(api + "/evidence/links", json={"indicator": 1, "url": "ftp:/x y"})
    assert link.status_code == 422
    message = link.json()["errors"][0]["message"]
    assert message == "the link must be a web address starting with http:// or https://, without spaces"


def test_unknown_agency_and_group_give_the_html_error_page(client: TestClient) -> None:
    for path in ("/evaluation/agencies/NOPE", "/evaluation/heatmap?group=planets"):
        response = client.get(path, headers=HTML)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html"), path
        assert "<html" in response.text


def test_indonesian_pages_have_no_english_chart_labels(client: TestClient, db_session: Session) -> None:
    from spbe.evaluation.demo import seed_demo_evaluations

    seed_demo_evaluations(db_session, (2024,))
    db_session.commit()
    page = client.get("/evaluation", headers={"accept": "text/html", "accept-language": "id"}).text
    assert "Trend:" not in page
    assert "Heatmap of" not in page
    agency = client.get("/evaluation/agencies/KOTA-32.73", headers={"accept": "text/html", "accept-language": "id"})
    caption = re.search(r'data-testid="agency-caption">([^<]*)<', agency.text)
    assert caption
    assert caption.group(1).count("KOTA") == 1
    assert "kota ·" not in caption.group(1)


def test_validated_column_shows_the_accepted_level(client: TestClient, act_as: Act, app: FastAPI) -> None:
    act_as(STAFF_A)
    api = "/api/v1/evaluation/assessments/KEMENDAGRI/2025"
    client.put(api + "/levels", json={"items": [{"indicator": n, "level": 4} for n in range(1, 48)]})
    client.post(api + "/submit")
    act_as(ASSESSOR)
    assert client.post(api + "/finalize").status_code == 200
    from tests.evaluation.conftest import COORDINATOR

    act_as(COORDINATOR)
    assert client.post("/api/v1/evaluation/cycles/2025/close").status_code == 200
    page = client.get("/evaluation/agencies/KEMENDAGRI?year=2025", headers=HTML).text
    row = page.split(">1</td>")[1].split("</tr>")[0]
    cells = re.findall(r'numeric">([^<]*)<', row)
    assert cells[1:3] == ["4", "4"]  # self, validated (accepted as given)

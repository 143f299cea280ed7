"""Duplicate finder over HTTP and the CLI: groups, a group, the plan and its exports, the public check."""

from __future__ import annotations

import io
import json

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from spbe.core.security import SYSTEM, Principal
from spbe.registry.demo.seed import add_integrations
from spbe.registry.duplicates import service
from spbe.registry.service.applications import COLUMNS
from spbe.registry.service.imports import import_applications

API = "/api/v1/registry/duplicates"
MAIL = "Pengelolaan surat masuk dan surat keluar, disposisi pimpinan dan tanda tangan elektronik naskah dinas."
STAFF = "Pengelolaan data induk pegawai ASN, kenaikan pangkat, cuti dan pensiun pegawai negeri sipil."
APPS = [
    ("T-001", "e-Office Kabupaten Garut", "", MAIL, "KAB-32.05", "09.07"),
    ("T-002", "Tata Naskah Dinas Elektronik", "TNDE", MAIL, "KOTA-32.73", "09.07"),
    ("T-003", "e-Surat", "", MAIL, "KAB-32.01", "09.07"),
    ("T-004", "SIMPEG Kabupaten Garut", "SIMPEG", STAFF, "KAB-32.05", "09.06"),
    ("T-005", "SIMPEGDA", "SIMPEGDA", STAFF, "KOTA-32.73", "09.06"),
    ("T-006", "e-Pegawai", "", STAFF, "KAB-32.01", "09.06"),
    ("T-007", "Jelajah Kawah Putih", "", "Tiket dan informasi wisata Kawah Putih Ciwidey.", "KAB-32.04", "02.11"),
]


def _row(code: str, name: str, acronym: str, description: str, agency: str, affair: str) -> dict[str, str]:
    values = {"code": code, "name": name, "acronym": acronym, "description": description, "agency_code": agency,
              "kind": "khusus", "category": "RAA.2.2", "affairs": affair, "service_area": "administrasi",
              "status": "production", "users": "120", "functional_fit": "3", "technical_fit": "2"}  # fmt: skip
    return {column: values.get(column, "") for column in COLUMNS}


@pytest.fixture
def catalogue(db_session: Session) -> Session:
    report = import_applications(db_session, [_row(*app) for app in APPS], actor=SYSTEM, dry_run=False)
    assert report.problems == []
    add_integrations(db_session, [("T-001", "T-004"), ("T-001", "T-005"), ("T-003", "T-006")])
    db_session.flush()
    return db_session


def _group_with(client: TestClient, code: str) -> dict:  # type: ignore[type-arg]
    for group in client.get(API, params={"limit": 500}).json()["items"]:
        detail = client.get(f"{API}/{group['key']}").json()
        if code in {m["code"] for m in detail["members"]}:
            return detail
    raise AssertionError(f"{code} is in no group")


def test_groups_are_listed_publicly_with_reasons(client: TestClient, catalogue: Session) -> None:
    response = client.get(API)
    assert response.status_code == 200
    office = _group_with(client, "T-002")
    assert {m["code"] for m in office["members"]} == {"T-001", "T-002", "T-003"}
    assert office["umum_target"] == "SRIKANDI"
    assert {r["code"] for r in office["reasons"]} >= {"same_concept", "same_affairs", "same_category"}
    staffing = _group_with(client, "T-004")
    assert {m["code"] for m in staffing["members"]} == {"T-004", "T-005", "T-006"}


def test_groups_filter_by_agency_and_affair(client: TestClient, catalogue: Session) -> None:
    keys = {g["key"] for g in client.get(API, params={"affair": "09.06", "limit": 500}).json()["items"]}
    assert _group_with(client, "T-004")["key"] in keys
    assert _group_with(client, "T-002")["key"] not in keys
    none = client.get(API, params={"agency": "KAB-32.04"}).json()
    assert all("T-007" not in g["key"] for g in none["items"])


def test_an_unknown_group_is_not_found(client: TestClient, catalogue: Session) -> None:
    assert client.get(f"{API}/NOPE").status_code == 404


def test_the_plan_migrates_to_srikandi_leaves_first_and_exports(client: TestClient, catalogue: Session) -> None:
    plan = client.get(f"{API}/plan").json()
    office = next(item for item in plan["items"] if item["target_name"].startswith("SRIKANDI"))
    assert office["action"] == "migrate"
    assert office["applications"] == 3
    assert office["agencies"] == 3
    integrations = [step["application"]["integrations"] for step in office["steps"]]
    assert integrations == sorted(integrations)
    assert office["steps"][-1]["application"]["code"] == "T-001"
    csv_text = client.get(f"{API}/plan", params={"format": "csv"}).text
    assert csv_text.splitlines()[0].startswith("group_key,group,action,target_code")
    assert "T-001" in csv_text
    xlsx = client.get(f"{API}/plan", params={"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.cell(1, 1).value == "group_key"
    assert sheet.max_row >= 4


def test_the_check_is_public(client: TestClient, catalogue: Session) -> None:
    response = client.post(f"{API}/check", json={"name": "e-Office Kota Cimahi", "description": MAIL})
    assert response.status_code == 200
    assert response.json()["matches"]


def test_the_check_returns_the_closest_applications(app: FastAPI, client: TestClient, catalogue: Session) -> None:
    app.state.token_verifier = lambda token: Principal(subject="staff:1", kind="staff", agency_code="KOTA-32.77")
    proposal = {"name": "Aplikasi e-Office Kota Cimahi", "description": MAIL, "affairs": ["09.07"], "limit": 3}
    response = client.post(f"{API}/check", json=proposal, headers={"Authorization": "Bearer x"})
    assert response.status_code == 200
    body = response.json()
    assert body["verdict"] == "duplicate"
    assert body["umum_target"] == "SRIKANDI"
    assert {m["application"]["code"] for m in body["matches"]} == {"T-001", "T-002", "T-003"}
    assert body["matches"][0]["reasons"]


@pytest.mark.parametrize("language", ["id", "en"])
def test_pages_render(client: TestClient, catalogue: Session, language: str) -> None:
    listing = client.get("/registry/duplicates", params={"lang": language})
    assert listing.status_code == 200
    key = _group_with(client, "T-002")["key"]
    assert key in listing.text
    group = client.get(f"/registry/duplicates/{key}", params={"lang": language})
    assert group.status_code == 200
    assert "SRIKANDI" in group.text
    plan = client.get("/registry/duplicates/plan", params={"lang": language})
    assert plan.status_code == 200
    assert "SRIKANDI" in plan.text
    if language == "id":
        assert "Kelompok aplikasi serupa" in listing.text
        assert "Migrasikan" in plan.text


def test_the_analysis_is_rebuilt_only_when_applications_change(catalogue: Session) -> None:
    first = service.analyse(catalogue)
    assert service.analyse(catalogue) is first
    import_applications(catalogue, [_row("T-008", "e-Surat Dinas", "", MAIL, "KOTA-32.71", "09.07")], actor=SYSTEM,
                        dry_run=False)  # fmt: skip
    assert service.analyse(catalogue) is not first


@pytest.mark.parametrize("output", ["table", "csv", "json"])
def test_the_cli_prints_groups_in_each_format(monkeypatch: pytest.MonkeyPatch, catalogue: Session, output: str) -> None:
    import typer

    from spbe.cli import registry_duplicates

    page = service.list_groups(catalogue)
    monkeypatch.setattr(registry_duplicates.service, "list_groups", lambda session, **kwargs: page)

    class _Runtime:
        def unit_of_work(self, write: bool = True):  # type: ignore[no-untyped-def]
            from contextlib import nullcontext

            return nullcontext(catalogue)

    monkeypatch.setattr(registry_duplicates, "runtime", _Runtime())
    cli = typer.Typer()
    cli.command()(registry_duplicates.duplicates)
    result = CliRunner().invoke(cli, ["--format", output])
    assert result.exit_code == 0, result.output
    if output == "json":
        assert json.loads(result.output)["total"] == page.total
    elif output == "csv":
        assert result.output.splitlines()[0] == ",".join(registry_duplicates.CSV_COLUMNS)
    else:
        assert "duplicate groups" in result.output
